import { type AgentName, agentNames } from './agent-adapter.ts';
import { adapters } from './agent-registry.ts';
import { Refusal } from '../refusal.ts';

/** An agent this service does not run (KAGE_ALLOWED_AGENTS). */
export class AgentNotAllowedError extends Refusal {
  readonly field: string;
  readonly agent: string;
  readonly allowed: readonly string[];

  constructor(index: number, agent: string, allowed: readonly string[]) {
    const field = `agents.${index}.agent`;
    super('forbidden', 'agent_not_allowed', `${field}: "${agent}" is not allowed on this service (KAGE_ALLOWED_AGENTS: ${allowed.join(', ') || 'none'})`, {
      field,
      agent,
      allowed,
    });
    this.field = field;
    this.agent = agent;
    this.allowed = allowed;
  }
}

/** Extra arguments that would override a flag the service sets for safety. */
export class ProtectedFlagError extends Refusal {
  readonly field: string;
  readonly flag: string;

  constructor(index: number, agent: string, flag: string) {
    const field = `agents.${index}.args`;
    super(
      'invalid',
      'protected_flag',
      `${field}: ${flag} overrides what the service sets for ${agent}'s safety (permissions, sandbox, approvals, working directory); remove it`,
      { field, flag },
    );
    this.field = field;
    this.flag = flag;
  }
}

/**
 * Checks the agents a task asks for against what this service allows: the agent itself, and
 * each extra argument against the adapter's protected flags (given alone or as `--flag=value`).
 */
export function checkAgentRequests(
  agents: ReadonlyArray<{ agent: AgentName; args: readonly string[] }>,
  allowed: readonly AgentName[] = agentNames,
): void {
  agents.forEach((spec, index) => {
    if (!allowed.includes(spec.agent)) throw new AgentNotAllowedError(index, spec.agent, allowed);
    const { protectedFlags, protectedConfig } = adapters[spec.agent];
    spec.args.forEach((arg, position) => {
      const flag = protectedFlags.find((candidate) => arg === candidate || arg.startsWith(`${candidate}=`));
      if (flag) throw new ProtectedFlagError(index, spec.agent, flag);
      const configFlag = protectedConfig?.flags.find((candidate) => arg === candidate || arg.startsWith(`${candidate}=`));
      if (!configFlag || !protectedConfig) return;
      const setting = arg === configFlag ? (spec.args[position + 1] ?? '') : arg.slice(configFlag.length + 1);
      if (protectedConfig.keys.test(setting)) throw new ProtectedFlagError(index, spec.agent, `${configFlag} ${setting.split('=')[0]!.trim()}`);
    });
  });
}
