/**
 * `kage-bunshin mcp`: MCP over stdio for hosts that start a process, talking to a running
 * service at KAGE_URL with KAGE_API_KEY. Not in-process: the service's database (PGlite allows one
 * process), queue and workers stay in the one service, and the key's scopes and limits are
 * checked there exactly as for /mcp and the REST API.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { API_VERSION } from '../api/api-version.ts';
import { KageApi } from './kage-api.ts';
import { buildMcpServer } from './mcp-server.ts';

export class McpSettingsError extends Error {
  override name = 'McpSettingsError';
}

export interface StdioSettings {
  url: string;
  apiKey: string;
}

export function stdioSettings(env: NodeJS.ProcessEnv): StdioSettings {
  const apiKey = env.KAGE_API_KEY;
  if (!apiKey) throw new McpSettingsError('kage-bunshin mcp needs KAGE_API_KEY (and KAGE_URL, default http://127.0.0.1:8000): the key of the running service to call');
  const url = (env.KAGE_URL ?? 'http://127.0.0.1:8000').replace(/\/+$/, '');
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new McpSettingsError(`KAGE_URL must be an http(s) URL, not "${url}"`);
  return { url, apiKey };
}

/** Serves MCP on stdin and stdout until stdin closes. */
export async function serveStdio(settings: StdioSettings): Promise<void> {
  const api = new KageApi((path, init) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${settings.apiKey}`);
    return fetch(`${settings.url}/api/v1${path}`, { ...init, headers });
  });
  const server = buildMcpServer(api, API_VERSION);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => (transport.onclose = resolve));
  await server.connect(transport);
  process.stdin.once('end', () => void server.close());
  await closed;
}
