import { z } from '@hono/zod-openapi';
import { agentNames } from '../../model/agent-names.ts';

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

const Interval = z.object({ low: z.number(), high: z.number() });

export const AgentFigures = z
  .object({
    agent: z.string(),
    model: z.string().nullable(),
    attempts: z.number().int().openapi({ description: 'Attempts that ran to an end' }),
    verified: z.number().int().openapi({ description: 'Of them, those whose verify command ran' }),
    passed: z.number().int(),
    passRate: z.number().nullable().openapi({ description: 'passed / verified; null before any verified attempt' }),
    passRateInterval: Interval.nullable().openapi({ description: 'The 95 % Wilson score interval of the pass rate' }),
    medianCostUsd: z.number().nullable(),
    medianDurationMs: z.number().int().nullable(),
    wins: z.number().int().openapi({ description: 'Attempts ranked their task\'s winner' }),
    verifiedWins: z.number().int().openapi({ description: 'Wins that passed verify' }),
    totalCostUsd: z.number(),
    costPerVerifiedWinUsd: z.number().nullable().openapi({ description: "All this agent's attempts' cost divided by its verified wins; null without one" }),
  })
  .openapi('AgentFigures');

export const AgentStats = z
  .object({
    repository: z.string(),
    scope: z.enum(['all', 'own']).openapi({ description: 'own: only tasks this key submitted (it lacks tasks:read-all)' }),
    repositoryFigures: z.array(AgentFigures).openapi({ description: 'Attempts on this repository' }),
    overall: z.array(AgentFigures).openapi({ description: 'Attempts on every repository' }),
    timeline: z
      .array(
        z.object({
          agent: z.string(),
          model: z.string().nullable(),
          days: z.array(
            z.object({
              day: z.string().openapi({ example: '2026-12-07', description: 'The day (UTC) the attempts ended' }),
              costPerVerifiedWinUsd: z.number().nullable().openapi({ description: "That day's attempts' cost divided by their verified wins; null without one" }),
            }),
          ),
        }),
      )
      .openapi({ description: 'On this repository, per agent and model: cost per verified win by day, oldest first (the review page draws it)' }),
  })
  .openapi('AgentStats');

export const AgentSelection = z
  .object({
    rule: z.string(),
    count: z.number().int(),
    seed: z.number().int(),
    noHistory: z.boolean(),
    candidates: z.array(
      z.object({
        index: z.number().int(),
        agent: z.string(),
        model: z.string().nullable(),
        picked: z.boolean(),
        history: z.object({ attempts: z.number().int(), verified: z.number().int(), passed: z.number().int(), medianCostUsd: z.number().nullable() }),
        sample: z.number().nullable(),
        score: z.number().nullable(),
        reason: z.string(),
      }),
    ),
  })
  .openapi('AgentSelection');
