/**
 * A repository `acme/app` served by a real git server (git http-backend) with a GitHub API
 * stand-in beside it, and a service holding the git credential `github-bot` for both.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestRepo, makeTempDir, runGitIn, type TestRepo } from './git-repo.ts';
import { type GitHttpServer, startGitHttpServer } from './git-http-server.ts';
import { type GitHubStandIn, startGitHubStandIn } from './github-stand-in.ts';
import { startTestService, type TestService } from './service-harness.ts';

export const FORGE_TOKEN = 'ghp_standin0123456789abcdefTOKEN';

export interface Forge {
  origin: TestRepo;
  /** The bare repository the git server serves. */
  bare: string;
  git: GitHttpServer;
  github: GitHubStandIn;
  /** The repository's URL on the git server. */
  url: string;
  /** POST /git-credentials `github-bot` for the git server and the stand-in, through `request`. */
  storeCredential(request: (path: string, init: { method: string; json: unknown }) => Promise<Response>): Promise<void>;
  stop(): Promise<void>;
}

export interface ForgeFixture extends Forge {
  service: TestService;
}

/** The git server and the GitHub stand-in for `acme/app`, without a service. */
export async function startForge(): Promise<Forge> {
  const origin = await createTestRepo({ 'README.md': '# app\n' });
  const serverRoot = await makeTempDir('kage-forge-');
  const bare = join(serverRoot, 'acme', 'app.git');
  await runGitIn(serverRoot, ['clone', '--quiet', '--bare', origin.path, bare]);
  const git = await startGitHttpServer({ root: serverRoot, users: { 'x-access-token': FORGE_TOKEN } });
  const github = await startGitHubStandIn({ token: FORGE_TOKEN, owner: 'acme', repo: 'app', gitDir: bare });
  return {
    origin,
    bare,
    git,
    github,
    url: `${git.url}/acme/app.git`,
    async storeCredential(request) {
      const response = await request('/api/v1/git-credentials', {
        method: 'POST',
        json: { name: 'github-bot', host: '127.0.0.1', token: FORGE_TOKEN, forge: 'github', apiUrl: github.url },
      });
      if (response.status !== 201) throw new Error(`could not store the credential: ${await response.text()}`);
    },
    async stop() {
      await git.stop();
      await github.stop();
      await origin.cleanup();
      await rm(serverRoot, { recursive: true, force: true });
    },
  };
}

/** The forge and an in-process service that holds its credential. */
export async function startForgeFixture(): Promise<ForgeFixture> {
  const forge = await startForge();
  const service = await startTestService({ kind: 'pglite', workers: 2, listen: true, env: { KAGE_PUBLIC_URL: 'https://kage.example.com' } });
  await forge.storeCredential((path, init) => service.request(path, init) as Promise<Response>);
  return {
    ...forge,
    service,
    async stop() {
      await service.stop();
      await forge.stop();
    },
  };
}
