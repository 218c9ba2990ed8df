/**
 * Everything the shipped workflows need, for real: a git repository, the service as a process,
 * and an n8n with this package installed from its packed tarball, the "Kage Bunshin account"
 * credential pointing at the service, and every file in workflows/ imported unchanged and published.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packCommunityPackage } from './community-package.ts';
import { createTestRepo, makeTempDir, type TestRepo } from './git-repo.ts';
import { N8nClient } from './n8n-api.ts';
import { N8nServer } from './n8n-server.ts';
import { startServiceProcess, type ServiceProcess } from './service-process.ts';
import { TEST_API_KEY } from './service-harness.ts';

const workflowsDir = fileURLToPath(new URL('../../workflows', import.meta.url));
/** The credential name the shipped workflows refer to; n8n links them to it by name at import. */
export const credentialName = 'Kage Bunshin account';
export const e2eWebhookSecret = `whsec_${Buffer.from('kage-bunshin-e2e-webhook-secret!').toString('base64')}`;

/**
 * Workflows whose trigger registers a webhook with an outside service on publishing (GitHub):
 * imported, not published, since these machines reach no such service.
 */
const importedOnly = new Set(['github-issue-to-pull-request.json']);

export interface WorkflowStack {
  repo: TestRepo;
  service: ServiceProcess;
  n8n: N8nServer;
  api: N8nClient;
  /** Workflow id by file name, e.g. `best-of-three.json`. */
  workflowIds: Map<string, string>;
  /** POSTs JSON to a production webhook (retrying while n8n still answers 404); the answer parsed. */
  post<T>(path: string, body: unknown): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

export interface WorkflowStackOptions {
  /** Environment of the service (and so of the agents it runs), e.g. KAGE_CLAUDE_BIN. */
  serviceEnv?: Record<string, string>;
  n8nEnv?: Record<string, string>;
}

export async function startWorkflowStack(options: WorkflowStackOptions = {}): Promise<WorkflowStack> {
  const cleanups: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const repo = await createTestRepo();
    cleanups.push(() => repo.cleanup());
    const dataDir = await makeTempDir('kage-e2e-data-');
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const service = await startServiceProcess({ KAGE_DATA_DIR: dataDir, ...options.serviceEnv });
    cleanups.push(() => service.kill('SIGTERM'));

    const n8n = await N8nServer.create({ env: options.n8nEnv });
    cleanups.push(() => rmSync(n8n.userFolder, { recursive: true, force: true }));
    await n8n.installCommunityPackage(await packCommunityPackage(join(n8n.userFolder, 'packed')));
    await n8n.start();
    cleanups.push(() => n8n.stop());

    const api = new N8nClient(n8n.baseUrl);
    await api.login(n8n.owner);
    await api.createApiKey();
    await api.createCredential({
      name: credentialName,
      type: 'kageBunshinApi',
      data: { baseUrl: service.url, apiKey: TEST_API_KEY, webhookSecret: e2eWebhookSecret },
    });
    // Imported while n8n runs, then published through its API: what a user does in the editor.
    const workflowIds = new Map<string, string>();
    for (const file of readdirSync(workflowsDir).filter((f) => f.endsWith('.json')).sort()) {
      const [id] = await n8n.importWorkflow(join(workflowsDir, file));
      if (!id) throw new Error(`importing workflows/${file} gave no workflow id`);
      workflowIds.set(file, id);
      if (!importedOnly.has(file)) await api.publishWorkflow(id);
    }

    const post = async <T>(path: string, body: unknown) => {
      const response = await api.callWebhook(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
    };
    return { repo, service, n8n, api, workflowIds, post, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
