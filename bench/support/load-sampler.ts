/**
 * What a scale-out step costs the machine and the database, sampled while it runs: PostgreSQL
 * connections on the step's database (pg_stat_activity, by state), LISTEN/NOTIFY queue use, the
 * host's CPU (/proc/stat) and the CPU time of PostgreSQL's backends and of given processes.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';

/** The application_name of the benchmark's own connections, which the counts leave out. */
export const BENCH_APPLICATION = 'kage-bench';

// Linux's USER_HZ: /proc reports CPU times in these ticks on every architecture Node runs on.
const TICKS_PER_SECOND = 100;

export interface ConnectionSample {
  at: number;
  total: number;
  active: number;
  idleInTransaction: number;
  waitingOnLock: number;
}

export interface LoadFigures {
  /** The sample with the most connections (the peak), and the most active ones seen. */
  peakConnections: ConnectionSample;
  peakActiveConnections: number;
  /** Connections by application_name at the peak (pg-boss names its own). */
  peakByApplication: Record<string, number>;
  /** The last statement of each connection idle in a transaction, at the most such connections seen: what holds them. */
  idleInTransactionStatements: Record<string, number>;
  peakNotifyQueueUsage: number;
  /** Share of the host's CPU time that was busy (not idle, not iowait) over the window, 0..1. */
  hostCpuBusy: number;
  /** CPU seconds used by the database's backends seen during the window. */
  postgresCpuSeconds: number;
  /** Transactions committed or rolled back on the database over the window (pg_stat_database). */
  transactions: number;
  windowSeconds: number;
  samples: number;
}

export interface LoadSampler {
  stop(): Promise<LoadFigures>;
}

/** Samples every `intervalMs` until stopped; the bench's own connections (BENCH_APPLICATION) are left out of the counts. */
export async function startLoadSampler(databaseUrl: string, intervalMs = 250): Promise<LoadSampler> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: BENCH_APPLICATION });
  await client.connect();
  const startedAt = Date.now();
  const cpuBefore = hostCpu();
  const transactionsBefore = await databaseTransactions(client);
  const backendCpu = new Map<number, { first: number; last: number }>();
  let peak: ConnectionSample = { at: startedAt, total: 0, active: 0, idleInTransaction: 0, waitingOnLock: 0 };
  let peakByApplication: Record<string, number> = {};
  let peakActive = 0;
  let peakIdle = 0;
  let idleStatements: Record<string, number> = {};
  let peakNotify = 0;
  let samples = 0;
  let stopped = false;

  const sample = async () => {
    const rows = await client.query<{ pid: number; state: string | null; wait_event_type: string | null; application_name: string; query: string }>(
      `SELECT pid, state, wait_event_type, application_name, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) AS query FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name <> $1`,
      [BENCH_APPLICATION],
    );
    const [notify] = (await client.query<{ usage: number }>('SELECT pg_notification_queue_usage()::float8 AS usage')).rows;
    const now: ConnectionSample = {
      at: Date.now(),
      total: rows.rows.length,
      active: rows.rows.filter((row) => row.state === 'active').length,
      idleInTransaction: rows.rows.filter((row) => row.state?.startsWith('idle in transaction')).length,
      waitingOnLock: rows.rows.filter((row) => row.wait_event_type === 'Lock').length,
    };
    samples += 1;
    peakActive = Math.max(peakActive, now.active);
    peakNotify = Math.max(peakNotify, notify?.usage ?? 0);
    if (now.idleInTransaction > peakIdle) {
      peakIdle = now.idleInTransaction;
      idleStatements = {};
      for (const row of rows.rows.filter((r) => r.state?.startsWith('idle in transaction'))) idleStatements[row.query] = (idleStatements[row.query] ?? 0) + 1;
    }
    if (now.total > peak.total) {
      peak = now;
      peakByApplication = {};
      for (const row of rows.rows) peakByApplication[row.application_name || '(none)'] = (peakByApplication[row.application_name || '(none)'] ?? 0) + 1;
    }
    for (const row of rows.rows) {
      const seconds = processCpuSeconds(row.pid)?.self;
      if (seconds === undefined) continue;
      const known = backendCpu.get(row.pid);
      if (known) known.last = seconds;
      else backendCpu.set(row.pid, { first: seconds, last: seconds });
    }
  };

  const loop = (async () => {
    while (!stopped) {
      await sample().catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();

  return {
    async stop() {
      stopped = true;
      await loop;
      // The sampler's own statements are transactions too: leave them out.
      const transactions = (await databaseTransactions(client)) - transactionsBefore - 2 * samples - 2;
      await client.end().catch(() => {});
      const cpuAfter = hostCpu();
      const busy = cpuAfter.busy - cpuBefore.busy;
      const total = cpuAfter.total - cpuBefore.total;
      // Backends that existed before the window count only from their first sample (pools outlive steps).
      const backendSeconds = [...backendCpu.values()].reduce((sum, { first, last }) => sum + (last - first), 0);
      return {
        peakConnections: peak,
        peakActiveConnections: peakActive,
        peakByApplication,
        idleInTransactionStatements: idleStatements,
        peakNotifyQueueUsage: peakNotify,
        hostCpuBusy: total > 0 ? busy / total : 0,
        postgresCpuSeconds: Math.round(backendSeconds * 100) / 100,
        transactions,
        windowSeconds: (Date.now() - startedAt) / 1000,
        samples,
      };
    },
  };
}

async function databaseTransactions(client: pg.Client): Promise<number> {
  // Statistics are flushed at most once a second and cached per transaction: clear the cache first.
  await client.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await client.query<{ n: number }>('SELECT (xact_commit + xact_rollback)::float8 AS n FROM pg_stat_database WHERE datname = current_database()');
  return rows[0]?.n ?? 0;
}

/** Busy and total jiffies of the whole host since boot (first line of /proc/stat). */
export function hostCpu(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/** CPU seconds of a process itself and of its waited-for children (git, agents), from /proc. */
export function processCpuSeconds(pid: number): { self: number; children: number } | undefined {
  try {
    // The command name may hold spaces: the fields start after its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { self: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND, children: (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}
