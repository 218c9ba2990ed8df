/**
 * A real git server on loopback: Debian git's `git http-backend` (smart HTTP, the protocol
 * GitHub, GitLab and Gitea speak) behind Basic auth, serving the bare repositories in `root`.
 * It records every Authorization header it sees, so tests can check what reached the server.
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GitHttpServer {
  /** `http://127.0.0.1:<port>`; a repository `app.git` in root is at `${url}/app.git`. */
  url: string;
  /** Runs before the server answers a push's ref advertisement: a test's "someone pushed meanwhile". */
  beforePush: ((repository: string) => Promise<void>) | undefined;
  /** How many requests each user made (by Basic auth user name; '' for anonymous ones). */
  requestsBy: Map<string, number>;
  stop(): Promise<void>;
}

export async function startGitHttpServer(options: { root: string; users: Record<string, string> }): Promise<GitHttpServer> {
  const requestsBy = new Map<string, number>();
  const server: GitHttpServer = { url: '', beforePush: undefined, requestsBy, stop: async () => {} };
  const http = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.statusCode = 500;
      response.end(String(error));
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const user = authorisedUser(request.headers.authorization, options.users);
    requestsBy.set(user ?? '', (requestsBy.get(user ?? '') ?? 0) + 1);
    if (!user) {
      response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' });
      response.end('authentication required\n');
      return;
    }
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.searchParams.get('service') === 'git-receive-pack' && server.beforePush) {
      await server.beforePush(url.pathname.split('/')[1] ?? '');
    }
    const backend = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: options.root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: request.method ?? 'GET',
        CONTENT_TYPE: request.headers['content-type'] ?? '',
        REMOTE_USER: user,
        REMOTE_ADDR: '127.0.0.1',
        HTTP_CONTENT_ENCODING: String(request.headers['content-encoding'] ?? ''),
        HTTP_GIT_PROTOCOL: String(request.headers['git-protocol'] ?? ''),
      },
    });
    request.pipe(backend.stdin);
    await relayCgiResponse(backend.stdout, response);
  }

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  server.url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  server.stop = () => new Promise((resolve) => http.close(() => resolve()));
  http.on('connection', (socket) => socket.unref());
  return server;
}

function authorisedUser(header: string | undefined, users: Record<string, string>): string | undefined {
  const match = /^Basic (.+)$/.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const [name, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
  return colon > 0 && users[name] === password ? name : undefined;
}

/** CGI output: header lines (a `Status:` line sets the status), a blank line, then the body. */
async function relayCgiResponse(stdout: NodeJS.ReadableStream, response: ServerResponse): Promise<void> {
  let buffered = Buffer.alloc(0);
  let headersDone = false;
  for await (const chunk of stdout) {
    if (headersDone) {
      response.write(chunk);
      continue;
    }
    buffered = Buffer.concat([buffered, chunk as Buffer]);
    const end = buffered.indexOf('\r\n\r\n');
    if (end === -1) continue;
    headersDone = true;
    let status = 200;
    for (const line of buffered.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      const [name, value] = [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else response.setHeader(name, value);
    }
    response.statusCode = status;
    response.write(buffered.subarray(end + 4));
  }
  response.end();
}
