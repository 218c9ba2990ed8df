import type { Db } from '../db/db.ts';
import type { Logger } from '../logger.ts';

/** How often each instance writes its row; a heartbeat older than a few of these means it is gone. */
export const INSTANCE_HEARTBEAT_MS = 5_000;
// Rows of instances silent this long are removed (a crashed instance's row shows as stale until then).
const FORGET_AFTER = '1 day';

export interface InstanceRow {
  name: string;
  startedAt: Date;
  draining: boolean;
  attemptsRunning: number;
  lastHeartbeatAt: Date;
}

/**
 * This instance's row in `service_instances`: written at start, every INSTANCE_HEARTBEAT_MS and
 * when it starts draining, removed when it stops cleanly. Every instance reads all the rows.
 */
export class InstanceRegistry {
  private readonly db: Db;
  private readonly logger: Logger;
  private readonly name: string;
  private readonly attemptsRunning: () => number;
  private readonly startedAt = new Date();
  private draining = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  // The write under way, which stop() waits for: one landing after the DELETE would bring the row back.
  private inFlight: Promise<void> = Promise.resolve();

  constructor(deps: { db: Db; logger: Logger; name: string; attemptsRunning: () => number }) {
    this.db = deps.db;
    this.logger = deps.logger;
    this.name = deps.name;
    this.attemptsRunning = deps.attemptsRunning;
  }

  async start(): Promise<void> {
    await this.beat();
    await this.db.query(`DELETE FROM service_instances WHERE heartbeat_at < now() - interval '${FORGET_AFTER}'`);
    const next = () => {
      this.timer = setTimeout(() => {
        void this.beatSafely().finally(() => {
          if (!this.stopped) next();
        });
      }, INSTANCE_HEARTBEAT_MS).unref();
    };
    next();
  }

  /** Marks this instance draining at once, so the others' lists show it. */
  async markDraining(): Promise<void> {
    this.draining = true;
    await this.inFlight;
    if (!this.stopped) await this.beatSafely();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inFlight;
    await this.db.query('DELETE FROM service_instances WHERE name = $1', [this.name]).catch(() => {});
  }

  async list(): Promise<InstanceRow[]> {
    const rows = await this.db.query<{ name: string; started_at: Date | string; draining: boolean; attempts_running: number; heartbeat_at: Date | string }>(
      'SELECT name, started_at, draining, attempts_running, heartbeat_at FROM service_instances ORDER BY started_at, name',
    );
    return rows.map((row) => ({
      name: row.name,
      startedAt: new Date(row.started_at),
      draining: row.draining,
      attemptsRunning: row.attempts_running,
      lastHeartbeatAt: new Date(row.heartbeat_at),
    }));
  }

  private beatSafely(): Promise<void> {
    this.inFlight = this.beat().catch((error: unknown) => this.logger.warn({ err: error }, 'could not write this instance’s heartbeat'));
    return this.inFlight;
  }

  private async beat(): Promise<void> {
    await this.db.query(
      `INSERT INTO service_instances (name, started_at, draining, attempts_running, heartbeat_at) VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (name) DO UPDATE SET started_at = EXCLUDED.started_at, draining = EXCLUDED.draining,
         attempts_running = EXCLUDED.attempts_running, heartbeat_at = now()`,
      [this.name, this.startedAt, this.draining, this.attemptsRunning()],
    );
  }
}
