/**
 * N service processes on one PostgreSQL database, each in a data folder of its own with its own
 * worker name, sharing the secret key (so each reads the stored git credentials) and the API key.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../../test/support/git-repo.ts';
import { startServiceProcess, type ServiceProcess } from '../../test/support/service-process.ts';
import { BENCH_API_KEY } from './service.ts';

export interface FleetMember extends ServiceProcess {
  name: string;
  dataDir: string;
}

export interface ServiceFleet {
  members: FleetMember[];
  stop(): Promise<void>;
}

export interface FleetOptions {
  databaseUrl: string;
  instances: number;
  /** Task slots and attempt slots of each instance. */
  taskSlots: number;
  attemptSlots: number;
  namePrefix: string;
  env?: Record<string, string>;
}

export async function startServiceFleet(options: FleetOptions): Promise<ServiceFleet> {
  const secretKey = randomBytes(32).toString('hex');
  const members: FleetMember[] = [];
  const fleet: ServiceFleet = {
    members,
    async stop() {
      await Promise.all(
        members.map(async (member) => {
          await member.kill('SIGTERM');
          await rm(member.dataDir, { recursive: true, force: true });
        }),
      );
    },
  };
  try {
    // Two at a time: eight cold starts at once on two cores only time out each other's health checks.
    for (let i = 0; i < options.instances; i += 2) {
      const batch = Array.from({ length: Math.min(2, options.instances - i) }, (_, j) => i + j);
      await Promise.all(
        batch.map(async (index) => {
          const name = `${options.namePrefix}-${index + 1}`;
          const dataDir = await makeTempDir(`kage-bench-${name}-`);
          const service = await startServiceProcess({
            DATABASE_URL: options.databaseUrl,
            KAGE_DATA_DIR: dataDir,
            KAGE_WORKER_NAME: name,
            KAGE_SECRET_KEY: secretKey,
            API_KEYS: BENCH_API_KEY,
            KAGE_WORKER_CONCURRENCY: String(options.taskSlots),
            KAGE_ATTEMPT_CONCURRENCY: String(options.attemptSlots),
            KAGE_RATE_LIMIT_PER_MINUTE: '100000000',
            LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
            KAGE_SANDBOX_READ_PATHS: fileURLToPath(new URL('../fixtures/', import.meta.url)),
            ...options.env,
          }).catch(async (error: unknown) => {
            await rm(dataDir, { recursive: true, force: true });
            throw error;
          });
          members.push({ ...service, name, dataDir });
        }),
      );
    }
  } catch (error) {
    await fleet.stop();
    throw error;
  }
  members.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  return fleet;
}
