import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { type AgentName, agentNames } from './model/agent-names.ts';
import { parseAgentEnv } from './agents/agent-environment.ts';
import { loadPriceTable, PriceTableError } from './agents/price-table.ts';
import { SECRET_KEY_PATTERN } from './credentials/secret-box.ts';
import { WEBHOOK_SECRET_PATTERN } from './webhooks/webhook-secret.ts';
import { defaultAttemptLimits } from './model/attempt-limits.ts';
import { defaultHomeBinds, type HomeBind, parseHomeBinds, type SandboxSettings } from './sandbox/sandbox-settings.ts';

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const list = (separator: string) =>
  z.string().transform((value) => value.split(separator).map((item) => item.trim()).filter(Boolean));

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  KAGE_DATA_DIR: z.string().min(1).optional(),
  API_KEYS: list(',').optional(),
  KAGE_REPO_ROOTS: list(':').optional(),
  KAGE_ALLOWED_AGENTS: list(',').pipe(z.array(z.enum(agentNames, { message: `each must be one of ${agentNames.join(', ')}` }))).optional(),
  KAGE_WORKER_CONCURRENCY: z.coerce.number().int().min(0).max(64).default(2),
  KAGE_ATTEMPT_CONCURRENCY: z.coerce.number().int().min(1).max(256).optional(),
  KAGE_WORKER_NAME: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'must be letters, digits, . _ - (at most 100)').optional(),
  KAGE_WEBHOOK_ALLOWED_HOSTS: list(',').optional(),
  KAGE_WEBHOOK_PRIVATE_TARGETS: z.enum(['allow', 'deny']).optional(),
  KAGE_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  KAGE_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).optional(),
  KAGE_DELETE_MERGED_BRANCHES: booleanFlag.default(false),
  KAGE_WEBHOOK_SECRET: z
    .string()
    .regex(WEBHOOK_SECRET_PATTERN, 'must be whsec_ followed by base64 of 24 to 64 random bytes')
    .optional(),
  KAGE_KEEP_WORKTREES: booleanFlag.default(false),
  KAGE_ALLOW_FILE_URLS: booleanFlag.default(false),
  KAGE_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  KAGE_SECRET_KEY: z.string().regex(SECRET_KEY_PATTERN, 'must be 32 bytes as base64 or 64 hex digits').optional(),
  KAGE_GIT_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(20),
  KAGE_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  KAGE_SSE_STREAMS_PER_KEY: z.coerce.number().int().min(1).default(100),
  KAGE_WORKTREE_POOL_SIZE: z.coerce.number().int().min(0).max(64).default(4),
  KAGE_WORKTREE_POOL_MAX_MB: z.coerce.number().int().min(0).default(10_240),
  KAGE_SANDBOX: z.enum(['auto', 'bwrap', 'off']).default('auto'),
  KAGE_SANDBOX_READ_PATHS: list(':').pipe(z.array(z.string().startsWith('/', 'each must be an absolute path'))).optional(),
  KAGE_SANDBOX_MAX_PROCESSES: z.coerce.number().int().min(8).max(100_000).default(defaultAttemptLimits.processes),
  KAGE_SANDBOX_MAX_FILE_MB: z.coerce.number().int().min(1).default(defaultAttemptLimits.fileSizeMb),
  KAGE_SANDBOX_MAX_MEMORY_MB: z.coerce.number().int().min(256).default(defaultAttemptLimits.memoryMb),
  KAGE_SANDBOX_MAX_WORKTREE_MB: z.coerce.number().int().min(1).default(defaultAttemptLimits.worktreeMb),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  KAGE_DRAIN_SECONDS: z.coerce.number().int().min(0).max(86_400).optional(),
  KAGE_CORS_ORIGINS: list(',').pipe(z.array(z.string().refine(isExactOrigin, 'each must be an exact origin such as https://app.example.com (scheme, host and port only; no *)'))).optional(),
  KAGE_TLS_CERT: z.string().min(1).optional(),
  KAGE_TLS_KEY: z.string().min(1).optional(),
  KAGE_TRUST_PROXY: booleanFlag.default(false),
  KAGE_ALLOW_PLAIN_HTTP: booleanFlag.default(false),
});

/** `https://host[:port]` as a browser sends it in Origin: no path, no wildcard. */
function isExactOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value && !value.includes('*');
  } catch {
    return false;
  }
}

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  /** Keys from API_KEYS; empty means "generate one in the data dir" (see api-key-store.ts). */
  apiKeys: string[];
  repoRoots: string[];
  /** The agents tasks may ask for (KAGE_ALLOWED_AGENTS; default every one). */
  allowedAgents: AgentName[];
  /** Tasks started at once (0: this instance runs nothing, it serves the API only). */
  workerConcurrency: number;
  /** Attempts run at once from each attempt queue; default 4 per task slot. */
  attemptConcurrency: number;
  /** Recorded on each attempt this instance runs; default `<hostname>-<data folder tag>`. */
  workerName: string | undefined;
  webhookAllowedHosts: string[];
  /**
   * Whether webhooks may go to loopback and private addresses (n8n on this host or network):
   * by default when the service itself listens on loopback only. Link-local and metadata never.
   */
  webhookPrivateTargets: 'allow' | 'deny';
  webhookSecret: string | undefined;
  /** KAGE_METRICS_TOKEN: what a Prometheus scraper sends to GET /metrics. */
  metricsToken: string | undefined;
  /** KAGE_RETENTION_DAYS: finished tasks older than this lose their events, deliveries and worktrees. */
  retentionDays: number | undefined;
  /** KAGE_DELETE_MERGED_BRANCHES: merges delete the task's attempt branches unless asked not to. */
  deleteMergedBranches: boolean;
  keepWorktrees: boolean;
  /** Where people reach the service (links in pull requests); defaults to http://HOST:PORT. */
  publicUrl: string;
  /** Whether tasks may name file:// repositories (tests, local mirrors). */
  allowFileUrls: boolean;
  /** Encrypts stored git credentials; generated into the data dir when unset. */
  secretKey: string | undefined;
  /** How long a remote may take to answer `ls-remote` (a fetch or push gets 15 times as long). */
  gitTimeoutSeconds: number;
  rateLimitPerMinute: number;
  /** Open progress (SSE) streams per API key. */
  sseStreamsPerKey: number;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  /** KAGE_<AGENT>_BIN overrides, by agent name. */
  agentBinaries: Record<string, string>;
  sandbox: SandboxSettings;
  /** Idle worktrees kept per repository for warm starts, and the disk they may take together. */
  worktreePool: { size: number; maxBytes: number };
  /** KAGE_DRAIN_SECONDS: how long a SIGTERM lets running attempts finish; unset: the longest one's remaining time limits, at most 30 minutes. */
  drainSeconds: number | undefined;
  /** KAGE_CORS_ORIGINS: exact origins whose pages may call the API (none by default). */
  corsOrigins: string[];
  /** KAGE_TLS_CERT / KAGE_TLS_KEY: PEM files; with them the service serves HTTPS itself. */
  tls: { certPath: string; keyPath: string } | undefined;
  /** KAGE_TRUST_PROXY: believe X-Forwarded-Proto (a proxy in front terminates TLS). */
  trustProxy: boolean;
  /** KAGE_ALLOW_PLAIN_HTTP: listen on a non-loopback address without TLS anyway. */
  allowPlainHttp: boolean;
}

export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Reads and validates the whole configuration; throws ConfigError with one line per problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const values = parsed.data;
  // Read here so a bad KAGE_PRICE_TABLE stops start-up, instead of failing attempts as they are priced.
  try {
    loadPriceTable(env.KAGE_PRICE_TABLE);
  } catch (error) {
    if (error instanceof PriceTableError) throw new ConfigError([error.message]);
    throw error;
  }
  const agentBinaries: Record<string, string> = {};
  const homeBinds = { ...defaultHomeBinds };
  const problems: string[] = [];
  for (const name of agentNames) {
    const bin = env[`KAGE_${name.toUpperCase()}_BIN`];
    if (bin) agentBinaries[name] = bin;
    const binds = env[`KAGE_${name.toUpperCase()}_HOME_BINDS`];
    if (binds === undefined) continue;
    try {
      homeBinds[name] = parseHomeBinds(binds);
    } catch (error) {
      problems.push(`KAGE_${name.toUpperCase()}_HOME_BINDS: ${(error as Error).message}`);
    }
  }
  // Read where each program starts (agents/agent-environment.ts); checked here so a bad one stops start-up.
  try {
    parseAgentEnv(env.KAGE_AGENT_ENV);
  } catch (error) {
    problems.push(`KAGE_AGENT_ENV: ${(error as Error).message}`);
  }
  if ((values.KAGE_TLS_CERT === undefined) !== (values.KAGE_TLS_KEY === undefined)) {
    problems.push('KAGE_TLS_CERT and KAGE_TLS_KEY: set both (the certificate chain and its private key, PEM) or neither');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port: values.PORT,
    host: values.HOST,
    databaseUrl: values.DATABASE_URL,
    dataDir: values.KAGE_DATA_DIR ?? defaultDataDir(env),
    apiKeys: values.API_KEYS ?? [],
    repoRoots: values.KAGE_REPO_ROOTS ?? [],
    allowedAgents: values.KAGE_ALLOWED_AGENTS ?? [...agentNames],
    workerConcurrency: values.KAGE_WORKER_CONCURRENCY,
    attemptConcurrency: values.KAGE_ATTEMPT_CONCURRENCY ?? Math.max(1, values.KAGE_WORKER_CONCURRENCY * 4),
    workerName: values.KAGE_WORKER_NAME,
    webhookAllowedHosts: values.KAGE_WEBHOOK_ALLOWED_HOSTS ?? [],
    webhookPrivateTargets: values.KAGE_WEBHOOK_PRIVATE_TARGETS ?? (['127.0.0.1', 'localhost', '::1'].includes(values.HOST) ? 'allow' : 'deny'),
    webhookSecret: values.KAGE_WEBHOOK_SECRET,
    metricsToken: values.KAGE_METRICS_TOKEN,
    retentionDays: values.KAGE_RETENTION_DAYS,
    deleteMergedBranches: values.KAGE_DELETE_MERGED_BRANCHES,
    keepWorktrees: values.KAGE_KEEP_WORKTREES,
    allowFileUrls: values.KAGE_ALLOW_FILE_URLS,
    publicUrl: values.KAGE_PUBLIC_URL ?? `${values.KAGE_TLS_CERT ? 'https' : 'http'}://${values.HOST}:${values.PORT}`,
    secretKey: values.KAGE_SECRET_KEY,
    gitTimeoutSeconds: values.KAGE_GIT_TIMEOUT_SECONDS,
    rateLimitPerMinute: values.KAGE_RATE_LIMIT_PER_MINUTE,
    sseStreamsPerKey: values.KAGE_SSE_STREAMS_PER_KEY,
    logLevel: values.LOG_LEVEL,
    agentBinaries,
    worktreePool: { size: values.KAGE_WORKTREE_POOL_SIZE, maxBytes: values.KAGE_WORKTREE_POOL_MAX_MB * 1024 * 1024 },
    drainSeconds: values.KAGE_DRAIN_SECONDS,
    corsOrigins: values.KAGE_CORS_ORIGINS ?? [],
    tls: values.KAGE_TLS_CERT && values.KAGE_TLS_KEY ? { certPath: values.KAGE_TLS_CERT, keyPath: values.KAGE_TLS_KEY } : undefined,
    trustProxy: values.KAGE_TRUST_PROXY,
    allowPlainHttp: values.KAGE_ALLOW_PLAIN_HTTP,
    sandbox: {
      mode: values.KAGE_SANDBOX,
      readPaths: values.KAGE_SANDBOX_READ_PATHS ?? [],
      homeBinds: homeBinds satisfies Record<AgentName, HomeBind[]>,
      limits: {
        processes: values.KAGE_SANDBOX_MAX_PROCESSES,
        fileSizeMb: values.KAGE_SANDBOX_MAX_FILE_MB,
        memoryMb: values.KAGE_SANDBOX_MAX_MEMORY_MB,
        worktreeMb: values.KAGE_SANDBOX_MAX_WORKTREE_MB,
      },
    },
  };
}

function defaultDataDir(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'kage-bunshin');
}
