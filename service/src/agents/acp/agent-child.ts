/**
 * The ACP agent as acp-bridge.ts's child process: started and stopped so that no way it fails
 * or dies keeps the bridge (and with it the attempt) waiting until the attempt's timeout.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

/** Between SIGTERM and SIGKILL: an agent may ignore SIGTERM. */
const KILL_GRACE_MS = 3_000;
/**
 * Once the agent has exited, how long its stdout may stay open: a process it left behind can
 * hold the pipe, and the session would wait for answers no one is left to send.
 */
const ORPHAN_GRACE_MS = 1_000;

export interface AgentChild {
  readonly process: ChildProcessByStdio<Writable, Readable, null>;
  /** Its exit code once it has exited (128 when a signal ended it). */
  readonly exited: Promise<number>;
  /** Waits graceMs for it to exit by itself, then SIGTERM, then SIGKILL; resolves with its exit code. */
  stop(graceMs?: number): Promise<number>;
}

/** Starts the agent; throws, naming the program, when it cannot be started at all. */
export async function startAgentChild(argv: readonly string[], cwd: string): Promise<AgentChild> {
  const [file = '', ...args] = argv;
  const child = spawn(file, args, { cwd, stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<number>((done) => child.once('exit', (code, signal) => done(code ?? (signal ? 128 : 1))));
  // A program that cannot start emits 'error' and never 'exit': waiting for its exit would wait forever.
  const startError = await new Promise<NodeJS.ErrnoException | undefined>((done) => {
    child.once('spawn', () => done(undefined));
    // Kept for later errors too (a signal that could not be sent): an unheard 'error' would crash the bridge.
    child.on('error', done);
  });
  if (startError) throw new Error(describeStartFailure(file, startError.code));
  // Our end of its stdout closed, the protocol connection closes and the session ends with an error.
  const leftOpen = new Error('its output was held open by a process it left behind');
  void exited.then(() => setTimeout(() => child.stdout.destroy(leftOpen), ORPHAN_GRACE_MS).unref());

  return {
    process: child,
    exited,
    async stop(graceMs = 0) {
      const term = setTimeout(() => child.kill('SIGTERM'), graceMs);
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs + KILL_GRACE_MS);
      try {
        return await exited;
      } finally {
        clearTimeout(term);
        clearTimeout(kill);
      }
    },
  };
}

/** In the words agent-process.ts uses for any agent's program (in the sandbox the bridge sees only its own folder). */
function describeStartFailure(file: string, code: string | undefined): string {
  if (code === 'ENOENT') return `program ${file} not found (give its absolute path, or install it on the service's PATH)`;
  if (code === 'EACCES') return `program ${file} is not executable`;
  return `program ${file} could not be started${code ? ` (${code})` : ''}`;
}
