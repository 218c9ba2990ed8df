import { execa } from 'execa';
import { agentNames, type AgentName } from '../model/agent-names.ts';
import type { AgentAdapter } from './agent-adapter.ts';
import { aiderAdapter } from './adapters/aider-adapter.ts';
import { claudeAdapter } from './adapters/claude-adapter.ts';
import { codexAdapter } from './adapters/codex-adapter.ts';
import { commandAdapter } from './adapters/command-adapter.ts';
import { cursorAdapter } from './adapters/cursor-adapter.ts';
import { geminiAdapter } from './adapters/gemini-adapter.ts';
import { opencodeAdapter } from './adapters/opencode-adapter.ts';
import { qwenAdapter } from './adapters/qwen-adapter.ts';
import { acpAdapter } from './acp/acp-adapter.ts';
import { findExecutable } from './binary-lookup.ts';

export const adapters: Readonly<Record<AgentName, AgentAdapter>> = {
  claude: claudeAdapter,
  codex: codexAdapter,
  gemini: geminiAdapter,
  aider: aiderAdapter,
  opencode: opencodeAdapter,
  cursor: cursorAdapter,
  qwen: qwenAdapter,
  acp: acpAdapter,
  command: commandAdapter,
};

/** One row of `GET /api/v1/agents`. */
export interface AgentDescription {
  name: AgentName;
  displayName: string;
  /** Resolved binary path; null when missing or for `command`. */
  binary: string | null;
  /** First line of `<binary> --version`; null when it could not be run. */
  version: string | null;
  available: boolean;
  installHint: string;
}

export interface AgentRegistryOptions {
  /** The PATH to search; defaults to the service's own. */
  pathEnv?: string | undefined;
  /** How long a `--version` answer is reused (the CLIs take a second or two to start). */
  versionCacheMs?: number;
}

const versionTimeoutMs = 10_000;

/**
 * Maps agent names to adapters and finds their binaries: `KAGE_<AGENT>_BIN` (passed in as
 * `binaryOverrides`, read by config.ts) wins, else the adapter's binary name on PATH.
 */
export class AgentRegistry {
  private readonly overrides: Partial<Record<string, string>>;
  private readonly pathEnv: string | undefined;
  private readonly versionCacheMs: number;
  private readonly versions = new Map<string, { at: number; version: string | null }>();

  constructor(binaryOverrides: Partial<Record<string, string>> = {}, options: AgentRegistryOptions = {}) {
    this.overrides = binaryOverrides;
    this.pathEnv = options.pathEnv ?? process.env.PATH;
    this.versionCacheMs = options.versionCacheMs ?? 5 * 60_000;
  }

  get(name: AgentName): AgentAdapter {
    return adapters[name];
  }

  /** Absolute path of the agent's binary, or undefined when it is not installed (always for `command`). */
  resolveBinary(name: AgentName): string | undefined {
    const adapter = adapters[name];
    if (adapter.binaryName === undefined) return undefined;
    return findExecutable(this.overrides[name] ?? adapter.binaryName, this.pathEnv);
  }

  async describeAgents(): Promise<AgentDescription[]> {
    return Promise.all(agentNames.map((name) => this.describe(name)));
  }

  private async describe(name: AgentName): Promise<AgentDescription> {
    const adapter = adapters[name];
    const known = { name, displayName: adapter.displayName, installHint: adapter.installHint };
    if (adapter.binaryName === undefined) return { ...known, binary: null, version: null, available: true };
    const binary = this.resolveBinary(name);
    if (binary === undefined) return { ...known, binary: null, version: null, available: false };
    const version = await this.version(binary);
    return { ...known, binary, version, available: version !== null };
  }

  private async version(binary: string): Promise<string | null> {
    const cached = this.versions.get(binary);
    if (cached && Date.now() - cached.at < this.versionCacheMs) return cached.version;
    const result = await execa(binary, ['--version'], {
      timeout: versionTimeoutMs,
      reject: false,
      stdin: 'ignore',
      killDescendants: true,
      forceKillAfterDelay: 2_000,
    });
    const firstLine = `${result.stdout}\n${result.stderr}`
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line !== '');
    const version = result.exitCode === 0 && firstLine !== undefined ? firstLine : null;
    this.versions.set(binary, { at: Date.now(), version });
    return version;
  }
}
