/**
 * Minimal but faithful n8n execution contexts for running the package's nodes in tests:
 * `execute()` (IExecuteFunctions), `webhook()` (IWebhookFunctions) and `webhookMethods`
 * (IHookFunctions). They behave like n8n where the nodes depend on it:
 * - parameters fall back to the node description's defaults, and `={{ $json.path }}`
 *   expressions resolve against the current item (and fail without one, as in a webhook);
 * - `httpRequestWithAuthentication` applies the credential's declared `authenticate` headers and
 *   does a real HTTP request (fetch), honouring `qs`, `json`, `returnFullResponse` and
 *   `ignoreHttpStatusErrors`;
 * - `putExecutionToWait` records the date; `getInputData` returns the same array every call, so a
 *   node's in-place change of its stored input is visible, as in n8n's timer resume;
 * - `serveNodeWebhook` answers real HTTP calls with a node's webhook(), like n8n's webhook server.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type {
  ICredentialType,
  IDataObject,
  IExecuteFunctions,
  IHookFunctions,
  IHttpRequestOptions,
  INode,
  INodeExecutionData,
  INodeProperties,
  INodeType,
  IWebhookFunctions,
  IWebhookResponseData,
} from 'n8n-workflow';

export interface KageBunshinCredentials {
  baseUrl: string;
  apiKey: string;
  webhookSecret?: string;
}

interface ContextBase {
  node: INodeType;
  credentialType: ICredentialType;
  credentials: KageBunshinCredentials;
  /** Node parameters as a user set them; missing ones take the description's default. */
  parameters?: Record<string, unknown>;
  /** The workflow's static data for this node (persisted by n8n between activations). */
  staticData?: IDataObject;
  /** The node's name in the workflow; the description's default name when omitted. */
  nodeName?: string;
}

export interface ExecuteOptions extends ContextBase {
  items?: INodeExecutionData[];
  continueOnFail?: boolean;
  /** What `{{ $execution.resumeUrl }}` evaluates to. */
  resumeUrl?: string;
}

export interface ExecuteRecording {
  context: IExecuteFunctions;
  /** Dates passed to putExecutionToWait, in order. */
  waits: Date[];
  items: INodeExecutionData[];
}

export interface ReceivedRequest {
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
}

export interface RecordedResponse {
  statusCode?: number;
  body?: unknown;
}

const nodeId = '6f1c1a3e-0000-4000-8000-000000000001';

function nodeOf(options: ContextBase): INode {
  return {
    id: nodeId,
    name: options.nodeName ?? options.node.description.defaults.name ?? options.node.description.displayName,
    type: `n8n-nodes-kage-bunshin.${options.node.description.name}`,
    typeVersion: 1,
    position: [0, 0],
    parameters: (options.parameters ?? {}) as INode['parameters'],
  };
}

/**
 * Resolves a parameter as n8n would: n8n stores the defaults of every parameter shown in the
 * editor on the node, so a shown parameter the user left alone has its default, and only a
 * parameter hidden by displayOptions falls back to the caller's fallback value.
 */
function parameter(
  options: ContextBase,
  name: string,
  item: INodeExecutionData | undefined,
  fallback: unknown,
  extractValue = false,
): unknown {
  const given = options.parameters?.[name];
  const shown = shownProperty(options, name);
  const value = given !== undefined ? given : shown !== undefined ? shown.default : fallback;
  if (value === undefined) throw new Error(`Could not get parameter "${name}"`);
  if (!isResourceLocator(value)) return resolveExpression(value, item);
  // A resource locator ({mode, value}): n8n resolves its value, and extracts it by the mode's rule.
  const resolved = resolveExpression(value.value, item);
  if (!extractValue) return { ...value, value: resolved };
  const mode = shown?.modes?.find((candidate) => candidate.name === value.mode);
  const rule = mode?.extractValue;
  if (!rule || rule.type !== 'regex') return resolved;
  const match = new RegExp(rule.regex).exec(String(resolved));
  if (!match) throw new Error(`Parameter "${name}": "${String(resolved)}" does not match ${rule.regex}`);
  return match[1];
}

function isResourceLocator(value: unknown): value is { mode: string; value: unknown } {
  return typeof value === 'object' && value !== null && 'mode' in value && 'value' in value;
}

function shownProperty(options: ContextBase, name: string): INodeProperties | undefined {
  const properties = options.node.description.properties;
  const current = (parameterName: string): unknown =>
    options.parameters?.[parameterName] ?? properties.find((p) => p.name === parameterName && !p.displayOptions)?.default;
  return properties.find(
    (property) =>
      property.name === name &&
      Object.entries(property.displayOptions?.show ?? {}).every(([dependency, allowed]) =>
        (allowed as unknown[]).includes(current(dependency) ?? shownProperty(options, dependency)?.default),
      ),
  );
}

// Only the expression form the nodes' defaults use: `={{ $json.a.b }}`.
function resolveExpression(value: unknown, item: INodeExecutionData | undefined): unknown {
  if (typeof value !== 'string' || !value.startsWith('=')) return value;
  const match = /^=\{\{\s*\$json((?:\.[A-Za-z_$][\w$]*)*)\s*\}\}$/.exec(value);
  if (!match) throw new Error(`The test context cannot evaluate the expression ${value}`);
  if (!item) throw new Error(`Expression ${value} needs an input item, and there is none here`);
  const path = match[1].split('.').filter(Boolean);
  return path.reduce<unknown>((object, key) => (object as IDataObject | undefined)?.[key], item.json);
}

function getCredentials(options: ContextBase) {
  return async (type: string) => {
    if (type !== options.credentialType.name) throw new Error(`Node does not have credentials of type "${type}"`);
    return { ...options.credentials } as unknown as IDataObject;
  };
}

function helpers(options: ContextBase) {
  return {
    async httpRequestWithAuthentication(type: string, request: IHttpRequestOptions) {
      const credentials = (await getCredentials(options)(type)) as IDataObject;
      return await httpRequest(withAuthentication(options.credentialType, credentials, request));
    },
    returnJsonArray(data: IDataObject | IDataObject[]) {
      return (Array.isArray(data) ? data : [data]).map((json) => ({ json }));
    },
  };
}

/** Applies a generic `authenticate` declaration (headers and qs with `={{$credentials.x}}`). */
function withAuthentication(type: ICredentialType, credentials: IDataObject, request: IHttpRequestOptions): IHttpRequestOptions {
  const authenticate = type.authenticate;
  if (!authenticate || typeof authenticate === 'function' || authenticate.type !== 'generic') return request;
  const resolve = (value: unknown) =>
    String(value).replace(/^=\{\{\s*\$credentials\.(\w+)\s*\}\}$/, (_all, key: string) => String(credentials[key] ?? ''));
  const headers: IDataObject = { ...(request.headers as IDataObject) };
  for (const [name, value] of Object.entries(authenticate.properties.headers ?? {})) headers[name] = resolve(value);
  const qs: IDataObject = { ...(request.qs as IDataObject) };
  for (const [name, value] of Object.entries(authenticate.properties.qs ?? {})) qs[name] = resolve(value);
  return { ...request, headers, qs };
}

async function httpRequest(request: IHttpRequestOptions) {
  const url = new URL(request.url);
  for (const [key, value] of Object.entries((request.qs ?? {}) as IDataObject)) {
    if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
  }
  const headers = new Headers(request.headers as Record<string, string>);
  let body: string | undefined;
  if (request.body !== undefined) {
    body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  const response = await fetch(url, { method: request.method ?? 'GET', headers, body, redirect: 'manual' });
  const text = await response.text();
  const isJson = (response.headers.get('content-type') ?? '').includes('json');
  const parsed: unknown = isJson && text !== '' ? JSON.parse(text) : text;
  if (response.status >= 400 && !request.ignoreHttpStatusErrors) {
    throw Object.assign(new Error(`Request failed with status code ${response.status}`), {
      httpCode: String(response.status),
      response: { status: response.status, body: parsed },
    });
  }
  if (!request.returnFullResponse) return parsed;
  return {
    statusCode: response.status,
    statusMessage: response.statusText,
    headers: Object.fromEntries(response.headers.entries()),
    body: parsed,
  };
}

export function createExecuteContext(options: ExecuteOptions): ExecuteRecording {
  const items = options.items ?? [{ json: {} }];
  const waits: Date[] = [];
  const node = nodeOf(options);
  const context = {
    getInputData: () => items,
    getNodeParameter: (name: string, itemIndex: number, fallback?: unknown, settings?: { extractValue?: boolean }) =>
      parameter(options, name, items[itemIndex], fallback, settings?.extractValue),
    getNode: () => ({ ...node }),
    getCredentials: getCredentials(options),
    helpers: helpers(options),
    continueOnFail: () => options.continueOnFail ?? false,
    isToolExecution: () => false,
    evaluateExpression(expression: string) {
      if (/^\{\{\s*\$execution\.resumeUrl\s*\}\}$/.test(expression) && options.resumeUrl) return options.resumeUrl;
      throw new Error(`The test context cannot evaluate ${expression}`);
    },
    async putExecutionToWait(date: Date) {
      waits.push(date);
    },
    getWorkflowStaticData: () => (options.staticData ??= {}),
    getWorkflow: () => ({ id: 'wf-test', name: 'Kage Bunshin test workflow', active: false }),
    getExecutionId: () => 'execution-test',
  };
  return { context: context as unknown as IExecuteFunctions, waits, items };
}

export interface WebhookOptions extends ContextBase {
  request: ReceivedRequest;
  webhookUrl?: string;
}

export function createWebhookContext(options: WebhookOptions): { context: IWebhookFunctions; response: RecordedResponse } {
  const response: RecordedResponse = {};
  const node = nodeOf(options);
  const responseObject = {
    status(code: number) {
      response.statusCode = code;
      return responseObject;
    },
    json(body: unknown) {
      response.body = body;
      return responseObject;
    },
    send(body: unknown) {
      response.body = body;
      return responseObject;
    },
    end() {
      return responseObject;
    },
  };
  const context = {
    getHeaderData: () => options.request.headers,
    getBodyData: () => JSON.parse(options.request.rawBody.toString('utf8')) as IDataObject,
    getRequestObject: () => ({ headers: options.request.headers, rawBody: options.request.rawBody }),
    getResponseObject: () => responseObject,
    // A webhook has no input item: `$json` expressions fail here as they do in n8n.
    getNodeParameter: (name: string, fallback?: unknown) => parameter(options, name, undefined, fallback),
    getNode: () => ({ ...node }),
    getCredentials: getCredentials(options),
    helpers: helpers(options),
    getWorkflowStaticData: () => (options.staticData ??= {}),
    getNodeWebhookUrl: () => options.webhookUrl,
    getWorkflow: () => ({ id: 'wf-test', name: 'Kage Bunshin test workflow', active: true }),
  };
  return { context: context as unknown as IWebhookFunctions, response };
}

export interface HookOptions extends ContextBase {
  webhookUrl: string;
}

export function createHookContext(options: HookOptions): IHookFunctions {
  const node = nodeOf(options);
  const context = {
    getNodeParameter: (name: string, fallback?: unknown) => parameter(options, name, undefined, fallback),
    getNodeWebhookUrl: () => options.webhookUrl,
    getWorkflowStaticData: () => (options.staticData ??= {}),
    getWorkflow: () => ({ id: 'wf-test', name: 'Kage Bunshin test workflow', active: true }),
    getNode: () => ({ ...node }),
    getCredentials: getCredentials(options),
    helpers: helpers(options),
    getMode: () => 'trigger',
    getActivationMode: () => 'activate',
  };
  return context as unknown as IHookFunctions;
}

export interface ServedWebhook {
  url: string;
  /** Every call with what webhook() returned, in order of arrival. */
  calls: Array<{ request: ReceivedRequest; result?: IWebhookResponseData; response: RecordedResponse; error?: Error }>;
  /** Resolves with the first call whose webhook() returned workflowData (a start or a resume). */
  nextWorkflowData(): Promise<INodeExecutionData[][]>;
  close(): Promise<void>;
}

/**
 * An HTTP endpoint that handles each POST like n8n's webhook server: builds an IWebhookFunctions
 * from the real request, runs the node's webhook(), and answers with the status and body n8n
 * would send (the node's own response, the webhookResponse, or 200).
 */
export async function serveNodeWebhook(options: Omit<WebhookOptions, 'request'>): Promise<ServedWebhook> {
  const calls: ServedWebhook['calls'] = [];
  const waiting: Array<(data: INodeExecutionData[][]) => void> = [];
  const started: INodeExecutionData[][][] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const request = { headers: req.headers, rawBody: await readBody(req) };
      const { context, response } = createWebhookContext({ ...options, request, webhookUrl: url });
      const call: ServedWebhook['calls'][number] = { request, response };
      calls.push(call);
      try {
        const result = await options.node.webhook!.call(context);
        call.result = result;
        if (result.workflowData) {
          const resolve = waiting.shift();
          if (resolve) resolve(result.workflowData);
          else started.push(result.workflowData);
        }
        const statusCode = result.noWebhookResponse ? (response.statusCode ?? 200) : 200;
        const body = result.noWebhookResponse ? response.body : (result.webhookResponse ?? { message: 'Workflow was started' });
        res.writeHead(statusCode, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? {}));
      } catch (error) {
        call.error = error as Error;
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ message: (error as Error).message }));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/webhook-waiting/execution-test`;
  return {
    url,
    calls,
    nextWorkflowData: () =>
      new Promise((resolve) => {
        const ready = started.shift();
        if (ready) resolve(ready);
        else waiting.push(resolve);
      }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
