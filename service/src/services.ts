import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { killTagged } from './agents/process-tag.ts';
import { AgentRegistry } from './agents/agent-registry.ts';
import { loadApiKeys } from './access/api-keys.ts';
import { KeyRing } from './access/key-ring.ts';
import { registerApiRoutes } from './api/api-routes.ts';
import { createHttpRoot } from './http.ts';
import { loadWebhookSecret } from './webhooks/default-webhook-secret.ts';
import { RepositoryValidator } from './tasks/repository-validator.ts';
import type { Config } from './config.ts';
import type { Db } from './db/db.ts';
import { runMigrations } from './db/migrations.ts';
import { openDb } from './db/open-db.ts';
import { TaskRepository } from './db/task-repository.ts';
import { EventFeed } from './events/event-feed.ts';
import { fanOutEvents } from './webhooks/fan-out.ts';
import { EventStore } from './events/event-store.ts';
import { RepoLock } from './git/repo-lock.ts';
import { WorktreeManager } from './git/worktree-manager.ts';
import { createTaskWorker } from './executor/task-execution.ts';
import { InstanceDrain } from './executor/instance-drain.ts';
import type { TaskWorker } from './executor/task-worker.ts';
import type { Logger } from './logger.ts';
import { hostAttemptQueue, instancePushQueue, SHARED_ATTEMPT_QUEUE, TaskQueue } from './queue/task-queue.ts';
import { createMergeService } from './merge/merge-service.ts';
import { TaskService } from './tasks/task-service.ts';
import { CredentialStore } from './credentials/credential-store.ts';
import { loadSecretBox } from './credentials/secret-box.ts';
import { TaskRemotes } from './credentials/task-remotes.ts';
import { RemoteMirrors } from './git/remote-mirrors.ts';
import { FollowUps } from './tasks/follow-ups.ts';
import { PushAgain } from './tasks/push-again.ts';
import { TaskRetention } from './tasks/task-retention.ts';
import { PullRequestService } from './pull-requests/pull-request-service.ts';
import { DeliveryWorker } from './webhooks/delivery-worker.ts';
import { WebhookTargets } from './webhooks/webhook-targets.ts';
import { Sandbox } from './sandbox/sandbox.ts';
import { taskShortId } from './git/attempt-branch.ts';
import { ApiKeyStore } from './access/api-key-store.ts';
import { ServiceFigures } from './db/service-figures.ts';
import { AgentHistory } from './db/agent-history.ts';
import { ServiceMetrics } from './metrics/service-metrics.ts';
import type { SandboxStatus } from './sandbox/sandbox.ts';
import { BrowserSessions } from './access/browser-sessions.ts';
import { InstanceRegistry } from './queue/instance-registry.ts';

/**
 * The composition root: builds every part of one service instance from the configuration.
 * `main.ts` and the tests both start the service through here.
 */
export interface Services {
  config: Config;
  db: Db;
  logger: Logger;
  apiKeys: string[];
  /** Set only when this start generated the API key (printed once by main). */
  generatedApiKey: string | undefined;
  tasks: TaskService;
  events: EventStore;
  queue: TaskQueue;
  worker: TaskWorker;
  worktrees: WorktreeManager;
  remotes: TaskRemotes;
  agents: AgentRegistry;
  /** KAGE_RETENTION_DAYS's background pruning; undefined when retention is off. */
  retention: TaskRetention | undefined;
  app: ReturnType<typeof createHttpRoot>;
  /** Starts the queue and the workers; the HTTP server is main's. */
  start(): Promise<void>;
  /**
   * Drains (SIGTERM, POST /api/v1/admin/drain): readiness answers 503 at once, streams end with a
   * retry hint, no new tasks or attempts are taken, and running ones may finish for up to
   * KAGE_DRAIN_SECONDS. Resolves when that is over (what still runs is stop()'s to hand back).
   * A second call returns the same promise.
   */
  drain(reason: string): Promise<void>;
  /** Whether drain() has been called. */
  readonly draining: boolean;
  /** Resolves when a drain, from wherever it was asked, has finished: main then stops and exits. */
  readonly drained: Promise<void>;
  /** Stops workers and queue, then closes the database. */
  stop(): Promise<void>;
}

export async function createServices(config: Config, logger: Logger, options: { db?: Db } = {}): Promise<Services> {
  const db = options.db ?? (await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  // Decided before anything runs: KAGE_SANDBOX=bwrap without bubblewrap stops start-up here.
  const sandbox = await Sandbox.start(config.sandbox, config.dataDir).catch(async (error: unknown) => {
    if (!options.db) await db.close();
    throw error;
  });
  await runMigrations(db);
  const { keys: apiKeys, generated } = loadApiKeys(config.apiKeys, config.dataDir);
  const taskRepository = new TaskRepository(db);
  const queue = new TaskQueue(db, logger);
  const feed = new EventFeed(db);
  const metrics = serviceMetrics(db, queue, feed);
  const events = new EventStore(db, {
    onStored: async (tx, taskId, seqs) => {
      metrics.eventsStored.inc(seqs.length);
      return await fanOutEvents(tx, taskId, seqs);
    },
  });
  const agents = new AgentRegistry(config.agentBinaries);
  const repoLock = new RepoLock(db);
  const worktrees = new WorktreeManager({ dataDir: config.dataDir, lock: repoLock, pool: config.worktreePool });
  const webhookTargets = new WebhookTargets(db, config.webhookAllowedHosts, config.webhookPrivateTargets);
  const deliveries = new DeliveryWorker({
    db,
    logger,
    defaultSecret: loadWebhookSecret(config.webhookSecret, config.dataDir),
    privateTargets: config.webhookPrivateTargets,
    onAttempt: (outcome, seconds) => {
      metrics.webhookAttempts.inc({ outcome });
      metrics.webhookDuration.observe({ outcome }, seconds);
    },
  });
  const credentials = new CredentialStore(db, loadSecretBox(config.secretKey, config.dataDir));
  const mirrors = new RemoteMirrors({ dataDir: config.dataDir, lock: repoLock, timeoutMs: config.gitTimeoutSeconds * 1000 });
  const remotes = new TaskRemotes(mirrors, credentials);
  const pullRequests = new PullRequestService({ tasks: taskRepository, events, remotes, credentials, publicUrl: config.publicUrl });
  const merges = createMergeService({
    db,
    tasks: taskRepository,
    events,
    worktrees,
    lock: repoLock,
    remotes,
    forgetAttempts: (taskId) => sandbox.forgetAttempts(`${taskShortId(taskId)}-`),
    deleteMergedBranches: config.deleteMergedBranches,
  });
  const { instanceTag, workerName } = instanceIdentity(config);
  const worker = createTaskWorker({ db, tasks: taskRepository, events, queue, agents, worktrees, remotes, sandbox, logger, dataDir: config.dataDir, keepWorktrees: config.keepWorktrees, instanceTag, workerName });
  const registry = new InstanceRegistry({ db, logger, name: workerName, attemptsRunning: () => worker.attemptsRunning });
  const drain = new InstanceDrain({ feed, registry, worker, logger, drainSeconds: config.drainSeconds });
  // Local-path tasks accepted here run on this host; URL tasks anywhere.
  const localAttemptQueue = hostAttemptQueue(hostname());
  const attemptQueues = [SHARED_ATTEMPT_QUEUE, localAttemptQueue];
  const pushQueue = instancePushQueue(workerName);
  const tasks = new TaskService({
    db,
    tasks: taskRepository,
    events,
    queue,
    repositories: new RepositoryValidator(config.repoRoots, { mirrors, credentials, allowFileUrls: config.allowFileUrls }),
    localAttemptQueue,
    webhookTargets,
    allowedAgents: config.allowedAgents,
    sandboxed: sandbox.status.mode !== 'off',
  });
  const retention = config.retentionDays === undefined ? undefined : new TaskRetention({ db, tasks: taskRepository, worktrees, logger, days: config.retentionDays });
  const sessions = new BrowserSessions(db);
  const keyStore = new ApiKeyStore(db);
  const keys = new KeyRing(apiKeys, keyStore);
  const { publicUrl, metricsToken, corsOrigins, trustProxy, rateLimitPerMinute } = config;
  const app = createHttpRoot({
    db, logger, keys, sessions, metrics, metricsToken, publicUrl, corsOrigins, trustProxy,
    draining: () => drain.draining,
    sandbox: sandbox.status,
    worktreePool: () => worktrees.pool.status(),
    api: {
      tasks: taskRepository,
      rateLimitPerMinute,
      routes: (api) =>
        registerApiRoutes(api, {
          tasks: { tasks, publicUrl: config.publicUrl },
          followUps: { followUps: new FollowUps({ tasks: taskRepository, events, queue }), tasks, publicUrl: config.publicUrl },
          events: { tasks: taskRepository, events, feed, maxStreamsPerKey: config.sseStreamsPerKey },
          webhooks: { db, tasks: taskRepository, webhookTargets },
          merges,
          pullRequests,
          pushes: new PushAgain({ tasks: taskRepository, queue }),
          agents: { agents, sandbox: sandbox.status, history: new AgentHistory(db) },
          credentials,
          keys: keyStore,
          admin: { name: workerName, drain: (reason) => void drain.drain(reason), list: () => registry.list() },
        }),
    },
  });

  return {
    config,
    db,
    logger,
    apiKeys,
    generatedApiKey: generated,
    tasks,
    events,
    queue,
    worker,
    worktrees,
    remotes,
    agents,
    retention,
    app,
    drain: (reason) => drain.drain(reason),
    get draining() {
      return drain.draining;
    },
    drained: drain.drained,
    ...lifecycle({ config, logger, db, sandbox: sandbox.status, instanceTag, queue, attemptQueues, pushQueue, worktrees, tasks: taskRepository, mirrors, worker, deliveries, retention, registry, feed }),
  };
}

/** Starting and stopping the parts, each in the order the others need. */
function lifecycle(parts: {
  config: Config;
  logger: Logger;
  db: Db;
  sandbox: SandboxStatus;
  instanceTag: string;
  queue: TaskQueue;
  attemptQueues: string[];
  pushQueue: string;
  worktrees: WorktreeManager;
  tasks: TaskRepository;
  mirrors: RemoteMirrors;
  worker: TaskWorker;
  deliveries: DeliveryWorker;
  retention: TaskRetention | undefined;
  registry: InstanceRegistry;
  feed: EventFeed;
}): Pick<Services, 'start' | 'stop'> {
  const { config, logger, db, instanceTag, queue, attemptQueues, pushQueue, worktrees, mirrors, worker, deliveries, retention, registry, feed } = parts;
  return {
    async start() {
      logSettings(config, parts.sandbox, logger);
      const leftovers = await killTagged((tag) => tag.endsWith(`/${instanceTag}`));
      if (leftovers > 0) logger.warn({ killed: leftovers }, 'stopped agent processes left by an earlier run of this service');
      await queue.start(attemptQueues, pushQueue);
      // Idle worktrees of an earlier run go; git forgets them in the prune below.
      await worktrees.pool.clear();
      await pruneOrphanWorktrees(parts.tasks, worktrees, mirrors, logger);
      await worker.start({ concurrency: config.workerConcurrency, attemptConcurrency: config.attemptConcurrency, attemptQueues, pushQueue });
      await deliveries.start();
      retention?.start();
      await registry.start();
    },
    async stop() {
      // Open SSE streams end first, so the HTTP server can close.
      await feed.close();
      await retention?.stop();
      await worker.stop();
      await registry.stop();
      await deliveries.stop();
      await queue.stop();
      await db.close();
    },
  };
}

/**
 * `instanceTag` marks this instance's agent processes: the same on every start from this data
 * folder, so agents a killed predecessor left running are found and stopped at start-up.
 * `workerName` is recorded on each attempt it runs.
 */
function instanceIdentity(config: Config): { instanceTag: string; workerName: string } {
  const instanceTag = createHash('sha256').update(`${hostname()}\n${config.dataDir}`).digest('hex').slice(0, 12);
  return { instanceTag, workerName: config.workerName ?? `${hostname()}-${instanceTag.slice(0, 6)}` };
}

/** What start-up says of the settings that decide what agents and webhooks may reach. */
function logSettings(config: Config, sandbox: SandboxStatus, logger: Logger): void {
  logger.info(
    { webhookPrivateTargets: config.webhookPrivateTargets, webhookAllowedHosts: config.webhookAllowedHosts },
    config.webhookPrivateTargets === 'allow'
      ? 'webhooks may target public, private and loopback addresses (never link-local or metadata)'
      : 'webhooks may target public addresses only (KAGE_WEBHOOK_PRIVATE_TARGETS=allow for n8n on this host or network)',
  );
  if (sandbox.mode === 'off') {
    logger.warn({ sandbox }, `SANDBOX OFF: agents and project commands run as this service's user and can read and write everything it can${sandbox.reason ? ` (${sandbox.reason})` : ' (KAGE_SANDBOX=off)'}`);
  } else {
    logger.info({ sandbox }, 'sandbox: every agent and project command runs in bubblewrap, seeing only its own worktree');
  }
}

/** The service's figures for GET /metrics, read when it is scraped. */
function serviceMetrics(db: Db, queue: TaskQueue, feed: EventFeed): ServiceMetrics {
  const figures = new ServiceFigures(db);
  return new ServiceMetrics({
    tasksByStatus: () => figures.tasksByStatus(),
    runningAttempts: () => figures.runningAttempts(),
    queues: () => queue.figures(),
    spending: () => figures.spending(),
    verifyOutcomes: () => figures.verifyOutcomes(),
    sseClients: () => feed.size,
  });
}

/** Worktrees left by a crash (in a local repository or this machine's mirrors) belong to no running attempt; running ones elsewhere keep theirs. */
async function pruneOrphanWorktrees(tasks: TaskRepository, worktrees: WorktreeManager, mirrors: RemoteMirrors, logger: Logger): Promise<void> {
  const repositories = [...new Set([...(await tasks.repositoryPaths()), ...(await mirrors.list())])];
  const removed = await worktrees.pruneOrphans(repositories, await tasks.attempts.runningWorktreePaths());
  if (removed.length > 0) logger.info({ removed }, 'pruned orphaned worktrees');
}
