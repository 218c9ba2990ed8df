import type { AgentAdapter, AgentOutcome, AgentOutputParser, AgentProgress, InvocationRequest } from '../agent-adapter.ts';
import { textProgress } from '../json-line.ts';

/**
 * Any program: the task gives the argv, every `{prompt}` in it is replaced by the prompt, and
 * each stdout line becomes a progress message. Exit code 0 is success.
 */
export const commandAdapter: AgentAdapter = {
  name: 'command',
  displayName: 'Any Command',
  binaryName: undefined,
  installHint: 'give the program to run as `command` (an argv array, `{prompt}` substituted)',
  protectedFlags: [],
  reportsCost: false,
  resumesSessions: false,
  invocation(request: InvocationRequest) {
    const [file, ...rest] = (request.command ?? []).map((arg) => arg.replaceAll('{prompt}', request.prompt));
    if (file === undefined || file === '') throw new CommandMissingError();
    return { file, args: [...rest, ...request.extraArgs], env: {} };
  },
  createParser: () => new CommandOutputParser(),
};

export class CommandMissingError extends Error {
  constructor() {
    super('the command agent needs a non-empty `command` argv');
    this.name = 'CommandMissingError';
  }
}

export class CommandOutputParser implements AgentOutputParser {
  private lastLine: string | undefined;

  parseLine(line: string): AgentProgress | undefined {
    const progress = textProgress(line);
    if (progress) this.lastLine = line.trim();
    return progress;
  }

  finish(exitCode: number | null): AgentOutcome {
    const succeeded = exitCode === 0;
    return { succeeded, finalMessage: this.lastLine, error: succeeded ? undefined : `command exited with code ${exitCode ?? 'none'}` };
  }
}
