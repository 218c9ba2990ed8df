/**
 * The real agent CLIs (from npm, in node_modules/.bin) pointed at the scripted model server,
 * each with a throw-away HOME: the environment a service under test needs to run them, and the
 * binaries a test runs directly.
 */
import { join } from 'node:path';
import { type CliSandbox, createCliSandbox } from '../fixtures/model-server/cli-sandbox.ts';
import { type ModelServer, startModelServer } from '../fixtures/model-server/model-server.ts';
import type { WireAgent } from '../fixtures/model-server/scenario.ts';

const binFolder = join(import.meta.dirname, '../../node_modules/.bin');

export interface RealClis {
  models: ModelServer;
  sandbox: CliSandbox;
  /** The CLI's binary, as npm installed it. */
  bin(agent: WireAgent): string;
  /** A service's environment: every CLI's settings pointing at the model server, and KAGE_<AGENT>_BIN for these agents. */
  serviceEnv(...agents: WireAgent[]): Record<string, string>;
  close(): Promise<void>;
}

export async function startRealClis(): Promise<RealClis> {
  const models = await startModelServer();
  const sandbox = await createCliSandbox(models.url);
  const bin = (agent: WireAgent) => join(binFolder, agent);
  return {
    models,
    sandbox,
    bin,
    serviceEnv: (...agents) => ({ ...sandbox.combinedEnv(), ...Object.fromEntries(agents.map((agent) => [`KAGE_${agent.toUpperCase()}_BIN`, bin(agent)])) }),
    async close() {
      await models.close();
      await sandbox.cleanup();
    },
  };
}
