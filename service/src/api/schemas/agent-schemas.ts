import { z } from '@hono/zod-openapi';
import { agentNames } from '../../agents/agent-adapter.ts';

export const AgentInfo = z
  .object({
    name: z.enum(agentNames),
    displayName: z.string().openapi({ example: 'Claude Code' }),
    binary: z.string().nullable().openapi({ description: 'Resolved path, or null when not found' }),
    version: z.string().nullable().openapi({ description: 'What `--version` printed' }),
    available: z.boolean(),
    installHint: z.string(),
  })
  .openapi('AgentInfo');

export const SandboxInfo = z
  .object({
    mode: z.enum(['bwrap', 'off']).openapi({ description: 'bwrap: every agent and project command runs in a bubblewrap sandbox' }),
    configured: z.enum(['auto', 'bwrap', 'off']).openapi({ description: 'KAGE_SANDBOX' }),
    processLimit: z.enum(['cgroup', 'rlimit', 'none']).openapi({ description: 'How the process limit is enforced' }),
    memoryLimit: z.enum(['cgroup', 'none']).openapi({ description: 'How the memory limit is enforced' }),
    limits: z.object({ processes: z.number().int(), fileSizeMb: z.number().int(), memoryMb: z.number().int(), worktreeMb: z.number().int() }),
    reason: z.string().optional().openapi({ description: 'Why auto fell back to off' }),
    shownFromHome: z
      .array(z.string())
      .openapi({ description: "Folders of the service user's HOME every attempt sees read-only: toolchains and version managers (pyenv, nvm, rustup, …) and PATH folders under HOME" }),
    registrySettings: z
      .array(z.string())
      .openapi({ description: "Package registry settings of the service user's HOME (pip, npm, Yarn, uv, cargo, go) copied into every attempt's HOME, with their credentials removed" }),
  })
  .openapi('SandboxInfo');
