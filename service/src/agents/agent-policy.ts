import { type AgentName, agentNames } from '../model/agent-names.ts';
import { adapters } from './agent-registry.ts';
import { Refusal } from '../refusal.ts';

/**
 * An agent that may not run here: one answer, with one message, whoever limits it (the service's
 * KAGE_ALLOWED_AGENTS or an API key's allowedAgents) and wherever it is asked for (an attempt, the judge).
 */
export class AgentNotAllowedError extends Refusal {
  readonly field: string;
  readonly agent: string;
  readonly allowed: readonly string[];

  constructor(field: string, agent: string, allowed: readonly string[], limitedBy: string) {
    super('forbidden', 'agent_not_allowed', `${field}: ${limitedBy} may not run ${agent}; it may run ${allowed.join(', ') || 'no agent'}`, { field, agent, allowed });
    this.field = field;
    this.agent = agent;
    this.allowed = allowed;
  }
}

/** The service's limit, as AgentNotAllowedError names it. */
export const serviceLimit = 'this service (KAGE_ALLOWED_AGENTS)';

/**
 * May this agent run? Throws AgentNotAllowedError when `allowed` (none: no limit) leaves it
 * out. `limitedBy` says whose limit it is, for the message.
 */
export function checkAgentAllowed(field: string, agent: string, allowed: readonly string[] | null | undefined, limitedBy: string): void {
  if (allowed && !allowed.includes(agent)) throw new AgentNotAllowedError(field, agent, allowed, limitedBy);
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
    checkAgentAllowed(`agents.${index}.agent`, spec.agent, allowed, serviceLimit);
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
