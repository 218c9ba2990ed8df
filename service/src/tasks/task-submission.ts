import type { AgentName } from '../model/agent-names.ts';
import type { NetworkAccess, PushMode, TaskConfig, TaskSetup, TaskStrategy } from '../model/task.ts';
import type { CallbackSpec } from '../webhooks/webhook-targets.ts';

/** One agent a submission asks for (defaults already applied at the API's edge). */
export interface AgentRequest {
  agent: AgentName;
  model?: string | undefined;
  /** Defaults to the task's description. */
  prompt?: string | undefined;
  timeoutSeconds: number;
  args: string[];
  command?: string[] | undefined;
  network?: NetworkAccess | undefined;
}

/** What a caller asks the task service to run; the API's request body satisfies it. */
export interface TaskSubmission {
  description: string;
  /** Exactly one of `path` (a repository on this machine) and `url` (a remote, with a credential's name). */
  repository: { path?: string | undefined; url?: string | undefined; baseRef: string; credential?: string | undefined };
  /** Which attempt branches go to the remote (URL repositories only; default `attempts`). */
  push?: PushMode | undefined;
  /** The attempts; a cascade gives `tiers` instead. */
  agents?: AgentRequest[] | undefined;
  /** Instead of `agents`: `count` of the candidates, chosen from this repository's history (agent-choice.ts). */
  pick?: { count: number; candidates: AgentRequest[]; seed?: number | undefined } | undefined;
  /** Default `all` (executor/strategies.ts). */
  strategy?: TaskStrategy | undefined;
  /** A cascade's agents, tier by tier. */
  tiers?: AgentRequest[][] | undefined;
  verify?: TaskConfig['verify'];
  setup?: TaskSetup | undefined;
  limits?: TaskConfig['limits'];
  judge?: TaskConfig['judge'];
  budgetUsd?: number | undefined;
  callbacks: CallbackSpec[];
}
