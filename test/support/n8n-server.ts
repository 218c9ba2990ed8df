/**
 * A real, headless n8n for the e2e suite: installed once into a cache outside the repository by
 * scripts/install-n8n, run with its own user folder (SQLite database, settings, community nodes).
 *
 * Order matters: `import:workflow` and `publish:workflow` are n8n CLI commands that write the
 * database directly, so a running n8n would not notice them. Import and publish first, then
 * start(); or stop(), change, start() again.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { freePort } from './free-port.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface N8nOptions {
  /** Port to listen on; a free one when omitted. */
  port?: number;
  /** N8N_USER_FOLDER (n8n keeps its data in `<folder>/.n8n`); a new temp folder when omitted. */
  userFolder?: string;
  /** Extra environment for n8n and its CLI commands; wins over the defaults. */
  env?: Record<string, string>;
}

export interface N8nOwner {
  email: string;
  password: string;
}

/** Installs n8n into the cache when it is not there yet (slow the first time) and returns its folder. */
export async function installN8n(): Promise<string> {
  const { stdout } = await execa(join(repoRoot, 'scripts/install-n8n'), [], { stderr: 'inherit' });
  const home = stdout.trim().split('\n').at(-1);
  if (!home) throw new Error('scripts/install-n8n printed no install folder');
  return home;
}

export class N8nServer {
  readonly home: string;
  readonly userFolder: string;
  readonly port: number;
  readonly baseUrl: string;
  readonly owner: N8nOwner;
  /** n8n's stdout and stderr, appended; quoted in errors. */
  readonly logFile: string;
  private readonly env: Record<string, string>;
  private process: ResultPromise | undefined;

  private constructor(home: string, userFolder: string, port: number, owner: N8nOwner, env: Record<string, string>) {
    this.home = home;
    this.userFolder = userFolder;
    this.port = port;
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.owner = owner;
    this.env = env;
    this.logFile = join(userFolder, 'n8n.log');
  }

  /** Installs n8n if needed and prepares a user folder; does not start it. */
  static async create(options: N8nOptions = {}): Promise<N8nServer> {
    const home = await installN8n();
    const userFolder = resolve(options.userFolder ?? mkdtempSync(join(tmpdir(), 'kage-n8n-')));
    mkdirSync(join(userFolder, '.n8n'), { recursive: true });
    const port = options.port ?? (await freePort());
    const owner = { email: 'owner@kage-bunshin.test', password: `Kage-${randomBytes(9).toString('base64url')}1` };
    const baseUrl = `http://127.0.0.1:${port}`;
    const env: Record<string, string> = {
      // Vitest sets NODE_ENV=test, under which n8n's start command exits at once without a word.
      NODE_ENV: 'production',
      N8N_USER_FOLDER: userFolder,
      N8N_LISTEN_ADDRESS: '127.0.0.1',
      N8N_HOST: '127.0.0.1',
      N8N_PORT: String(port),
      // Its task runner's broker listens on a port of its own (5679 by default): two n8ns at once need two.
      N8N_RUNNERS_BROKER_PORT: String(await freePort()),
      // Resume URLs ($execution.resumeUrl) and webhook URLs are built from this; without it n8n
      // says "localhost", which may resolve to ::1 where nothing listens.
      WEBHOOK_URL: `${baseUrl}/`,
      N8N_SECURE_COOKIE: 'false',
      N8N_ENCRYPTION_KEY: randomBytes(24).toString('hex'),
      N8N_DIAGNOSTICS_ENABLED: 'false',
      N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
      N8N_TEMPLATES_ENABLED: 'false',
      N8N_PERSONALIZATION_ENABLED: 'false',
      // Its periodic fetch of MCP servers from api.n8n.io only fails offline and fills the log.
      N8N_DISABLED_MODULES: 'mcp-registry',
      N8N_INSTANCE_OWNER_MANAGED_BY_ENV: 'true',
      N8N_INSTANCE_OWNER_EMAIL: owner.email,
      N8N_INSTANCE_OWNER_PASSWORD_HASH: bcryptHash(home, owner.password),
      N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '5',
      N8N_LOG_LEVEL: 'info',
      ...options.env,
    };
    return new N8nServer(home, userFolder, port, owner, env);
  }

  get running(): boolean {
    return this.process !== undefined;
  }

  /** Imports a workflow file unchanged; returns the ids of the workflows it holds. */
  async importWorkflow(file: string): Promise<string[]> {
    const before = new Set((await this.listWorkflows()).map((w) => w.id));
    await this.cli(['import:workflow', `--input=${resolve(file)}`]);
    const declared = workflowIdsIn(file);
    if (declared.length > 0) return declared;
    return (await this.listWorkflows()).map((w) => w.id).filter((id) => !before.has(id));
  }

  /** Activates a workflow so its triggers and webhooks are registered at the next start. */
  async publishWorkflow(id: string): Promise<void> {
    await this.cli(['publish:workflow', `--id=${id}`]);
  }

  async listWorkflows(): Promise<{ id: string; name: string }[]> {
    const stdout = await this.cli(['list:workflow']);
    return stdout
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => /^[A-Za-z0-9]+\|/.test(line))
      .map((line) => {
        const [id, ...name] = line.split('|');
        return { id: id!, name: name.join('|') };
      });
  }

  /**
   * Installs a community node package the way users do: `npm install <tarball>` into
   * `<user folder>/.n8n/nodes`. Its node types become `<package name>.<node name>` at the next start.
   */
  async installCommunityPackage(tarball: string): Promise<void> {
    const nodesDir = join(this.userFolder, '.n8n', 'nodes');
    mkdirSync(nodesDir, { recursive: true });
    try {
      readFileSync(join(nodesDir, 'package.json'));
    } catch {
      writeFileSync(join(nodesDir, 'package.json'), '{\n  "name": "installed-nodes",\n  "private": true\n}\n');
    }
    await execa(join(repoRoot, 'scripts/with-node24'), [
      'npm', 'install', '--no-audit', '--no-fund', '--omit=dev', '--omit=peer', '--loglevel=error', resolve(tarball),
    ], { cwd: nodesDir });
  }

  /** Starts n8n and resolves once /healthz/readiness answers 200. */
  async start(readyTimeoutMs = 120_000): Promise<void> {
    if (this.process) throw new Error(`n8n on port ${this.port} is already running`);
    appendFileSync(this.logFile, `--- start ${new Date().toISOString()}\n`);
    const subprocess = execa(process.execPath, [this.n8nBin(), 'start'], {
      cwd: this.userFolder,
      env: this.env,
      stdin: 'ignore',
      stdout: { file: this.logFile, append: true },
      stderr: { file: this.logFile, append: true },
      // n8n starts a task-runner child process; it must not outlive the test.
      killDescendants: true,
      forceKillAfterDelay: 15_000,
      reject: false,
    });
    this.process = subprocess;
    let exited = false;
    void subprocess.then(() => {
      exited = true;
    });
    const deadline = Date.now() + readyTimeoutMs;
    while (Date.now() < deadline) {
      if (exited) {
        this.process = undefined;
        throw new Error(`n8n exited before it was ready on port ${this.port}\n${this.logTail()}`);
      }
      if (await isReady(this.baseUrl)) return;
      await delay(500);
    }
    await this.stop();
    throw new Error(`n8n was not ready on port ${this.port} within ${readyTimeoutMs} ms\n${this.logTail()}`);
  }

  /** Stops n8n (SIGTERM, then SIGKILL after 15 s) and waits for it to exit. */
  async stop(): Promise<void> {
    const subprocess = this.process;
    if (!subprocess) return;
    this.process = undefined;
    subprocess.kill('SIGTERM');
    await subprocess;
  }

  /** The last lines n8n logged, for error messages. */
  logTail(lines = 40): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no n8n log)';
    }
  }

  private n8nBin(): string {
    return join(this.home, 'node_modules', 'n8n', 'bin', 'n8n');
  }

  private async cli(args: string[]): Promise<string> {
    const result = await execa(process.execPath, [this.n8nBin(), ...args], {
      cwd: this.userFolder,
      env: this.env,
      stdin: 'ignore',
      reject: false,
    });
    if (result.exitCode !== 0) {
      throw new Error(`n8n ${args.join(' ')} exited with ${result.exitCode}\n${result.stdout}\n${result.stderr}`);
    }
    return result.stdout;
  }
}

/** Installs (if needed), prepares and starts an n8n; import and publish workflows before, or restart. */
export async function startN8n(options: N8nOptions = {}): Promise<N8nServer> {
  const server = await N8nServer.create(options);
  await server.start();
  return server;
}

/** n8n checks the owner's password against a bcrypt hash; its own install carries bcryptjs. */
function bcryptHash(home: string, password: string): string {
  const requireFromN8n = createRequire(join(home, 'node_modules', 'n8n', 'package.json'));
  const bcrypt = requireFromN8n('bcryptjs') as { hashSync(password: string, rounds: number): string };
  return bcrypt.hashSync(password, 10);
}

function workflowIdsIn(file: string): string[] {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const workflows = Array.isArray(parsed) ? parsed : [parsed];
  return workflows.flatMap((w: unknown) =>
    typeof w === 'object' && w !== null && 'id' in w && typeof w.id === 'string' ? [w.id] : [],
  );
}

async function isReady(baseUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${baseUrl}/healthz/readiness`, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
