/**
 * Faults under load: four service processes on one PostgreSQL run 40 attempts (10 tasks × 4),
 * and one of them is killed with SIGKILL while it runs some. The others take its attempts over
 * once their heartbeats lapse: every attempt ends exactly once (one end event), every task ends
 * once, and each task's event sequence stays gapless. PostgreSQL only: PGlite is one process.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../../service/src/db/migrations.ts';
import { PostgresDriver } from '../../../service/src/db/postgres-driver.ts';
import { createPostgresDatabase } from '../../support/databases.ts';
import { createTestRepo, makeTempDir, type TestRepo } from '../../support/git-repo.ts';
import { startServiceProcess, type ServiceProcess } from '../../support/service-process.ts';
import { until } from '../../support/until.ts';

const slowAgent = join(import.meta.dirname, '../../fixtures/fake-agents/slow-writing-agent.mjs');
const TASKS = 10;
const AGENTS = 4;
const VICTIM = 'node-2';

interface AttemptRow {
  task_id: string;
  label: string;
  status: string;
  worker: string | null;
  starts: number;
  ends: number;
  first_worker: string | null;
}

describe('SIGKILL of one of four instances under load (PostgreSQL)', () => {
  const instances: Array<ServiceProcess & { name: string }> = [];
  const folders: string[] = [];
  let repo: TestRepo | undefined;
  let db: PostgresDriver | undefined;
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.kill('SIGKILL')));
    await db?.close();
    await repo?.cleanup();
    for (const folder of folders) await rm(folder, { recursive: true, force: true });
  });

  it('every one of 40 attempts ends exactly once, each task ends once, and every task’s events stay gapless', async () => {
    repo = await createTestRepo();
    const databaseUrl = await createPostgresDatabase();
    db = new PostgresDriver(databaseUrl, 2);
    await runMigrations(db);
    // Two at a time: four cold starts at once on two cores only slow each other's health checks.
    for (const pair of [['node-1', 'node-2'], ['node-3', 'node-4']]) {
      await Promise.all(
        pair.map(async (name) => {
          const dataDir = await makeTempDir(`kage-${name}-`);
          folders.push(dataDir);
          const env = { DATABASE_URL: databaseUrl, KAGE_DATA_DIR: dataDir, KAGE_WORKER_NAME: name, KAGE_WORKER_CONCURRENCY: '2', KAGE_ATTEMPT_CONCURRENCY: '3' };
          instances.push({ ...(await startServiceProcess(env)), name });
        }),
      );
    }
    const ids: string[] = [];
    for (let i = 0; i < TASKS; i += 1) {
      const response = await instances[i % instances.length]!.request('/api/v1/tasks', {
        method: 'POST',
        json: {
          description: `load ${i}`,
          repository: { path: repo.path },
          agents: Array.from({ length: AGENTS }, (_, n) => ({ agent: 'command', command: [process.execPath, slowAgent, `t${i}-a${n}.txt`, '2'] })),
        },
      });
      expect(response.status).toBe(202);
      ids.push(((await response.json()) as { id: string }).id);
    }

    // Kill the victim while it runs attempts of its own and the others run theirs.
    const victim = instances.find((instance) => instance.name === VICTIM)!;
    await until(
      'the victim to run attempts among others',
      async () => {
        const [row] = await db!.query<{ victims: number; running: number }>(
          `SELECT (count(*) FILTER (WHERE worker = $1))::int AS victims, count(*)::int AS running FROM agent_runs WHERE status = 'running'`,
          [VICTIM],
        );
        return row!.victims >= 2 && row!.running >= 6 ? row : undefined;
      },
      60_000,
    );
    await victim.kill('SIGKILL');

    // Not thrown here: on a timeout the checks below name the attempts that never ended.
    await until(
      'every task to end',
      async () => {
        const [row] = await db!.query<{ open: number }>(
          "SELECT count(*)::int AS open FROM tasks WHERE id = ANY($1::uuid[]) AND status NOT IN ('completed', 'failed', 'cancelled')",
          [ids],
        );
        return row!.open === 0 ? true : undefined;
      },
      100_000,
    ).catch(() => undefined);

    const attempts = await db.query<AttemptRow>(
      `SELECT r.task_id, r.label, r.status, r.worker,
              (count(e.seq) FILTER (WHERE e.type = 'agent.started'))::int AS starts,
              (count(e.seq) FILTER (WHERE e.type IN ('agent.completed', 'agent.failed')))::int AS ends,
              (array_agg(e.data->>'worker' ORDER BY e.seq) FILTER (WHERE e.type = 'agent.started'))[1] AS first_worker
         FROM agent_runs r LEFT JOIN progress_events e ON e.task_id = r.task_id AND e.agent_label = r.label
        WHERE r.task_id = ANY($1::uuid[]) GROUP BY r.task_id, r.label, r.status, r.worker`,
      [ids],
    );
    expect(attempts).toHaveLength(TASKS * AGENTS);
    const describeAttempt = (attempt: AttemptRow) => `${attempt.task_id}/${attempt.label} (${attempt.status}, ${attempt.starts} starts, ${attempt.ends} ends, on ${attempt.worker})`;
    expect(attempts.filter((attempt) => attempt.ends !== 1).map(describeAttempt), 'attempts not ended exactly once').toEqual([]);
    expect(attempts.filter((attempt) => attempt.status !== 'succeeded').map(describeAttempt), 'attempts that did not succeed').toEqual([]);
    // Only the victim's attempts ran twice, and each of those ended on a live instance.
    const restarted = attempts.filter((attempt) => attempt.starts > 1);
    expect(restarted.length, 'the kill interrupted attempts').toBeGreaterThanOrEqual(1);
    expect(attempts.filter((attempt) => attempt.starts !== 1 && attempt.first_worker !== VICTIM).map(describeAttempt), 'attempts started twice off the victim').toEqual([]);
    expect(restarted.filter((attempt) => attempt.starts !== 2 || attempt.worker === VICTIM).map(describeAttempt)).toEqual([]);
    const survivors = new Set(attempts.map((attempt) => attempt.worker));
    expect(survivors.size, 'the live instances shared the work').toBeGreaterThanOrEqual(3);

    const events = await db.query<{ task_id: string; seqs: number[]; types: string[] }>(
      `SELECT task_id, array_agg(seq ORDER BY seq) AS seqs, array_agg(type ORDER BY seq) AS types
         FROM progress_events WHERE task_id = ANY($1::uuid[]) GROUP BY task_id`,
      [ids],
    );
    expect(events).toHaveLength(TASKS);
    for (const task of events) {
      expect(task.seqs, `task ${task.task_id}'s sequence`).toEqual(task.seqs.map((_, index) => index + 1));
      expect(task.types.filter((type) => type === 'task.started'), `task ${task.task_id} started once`).toHaveLength(1);
      expect(task.types.filter((type) => ['task.completed', 'task.failed', 'task.cancelled'].includes(type)), `task ${task.task_id} ended once`).toEqual(['task.completed']);
      expect(task.types.at(-1)).toBe('task.completed');
    }
  }, 150_000);
});
