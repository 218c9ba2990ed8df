/**
 * Workflows that make each node fail, once per n8n "On Error" setting: Stop Workflow, Continue
 * (regular output) and Continue (using error output). Each failing node is followed by No
 * Operation nodes named after the output they hang on, so the run data shows which output the
 * failed item took.
 */
import { randomUUID } from 'node:crypto';
import type { N8nClient, N8nExecution } from './n8n-api.ts';

export type ErrorMode = 'stopWorkflow' | 'continueRegularOutput' | 'continueErrorOutput';

/** A node that fails against the service, with the code the service refuses it with. */
export interface FailingNode {
  name: string;
  type: string;
  parameters: Record<string, unknown>;
  code: string;
}

interface WorkflowNode {
  id: string;
  name: string;
  type: string;
  typeVersion: number;
  position: [number, number];
  parameters: Record<string, unknown>;
  onError?: ErrorMode;
  webhookId?: string;
  credentials?: Record<string, { id: string; name: string }>;
}

type Connections = Record<string, { main: { node: string; type: 'main'; index: 0 }[][] }>;

const link = (node: string) => ({ node, type: 'main' as const, index: 0 as const });
export const afterNode = (name: string, output: 'next' | 'success' | 'error') => `${name} → ${output}`;

/**
 * Creates and publishes one workflow behind the webhook `path`: each failing node under each
 * mode, all fed by the request. A Stop Workflow node stops it, so that mode gets one per workflow.
 */
export async function publishErrorModeWorkflow(
  api: N8nClient,
  path: string,
  cases: { node: FailingNode; mode: ErrorMode }[],
  credentials: Record<string, { id: string; name: string }>,
): Promise<string> {
  const nodes: WorkflowNode[] = [
    {
      id: randomUUID(),
      name: 'Request',
      type: 'n8n-nodes-base.webhook',
      typeVersion: 2,
      position: [0, 0],
      webhookId: randomUUID(),
      parameters: { httpMethod: 'POST', path, responseMode: 'onReceived', options: {} },
    },
  ];
  const connections: Connections = { Request: { main: [[]] } };
  const noOp = (name: string, x: number, y: number) =>
    nodes.push({ id: randomUUID(), name, type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [x, y], parameters: {} });
  cases.forEach(({ node, mode }, row) => {
    const name = `${node.name} (${mode})`;
    const y = row * 200;
    nodes.push({ id: randomUUID(), name, type: node.type, typeVersion: 1, position: [250, y], parameters: node.parameters, onError: mode, credentials });
    connections.Request!.main[0]!.push(link(name));
    if (mode === 'continueErrorOutput') {
      noOp(afterNode(name, 'success'), 500, y);
      noOp(afterNode(name, 'error'), 500, y + 100);
      connections[name] = { main: [[link(afterNode(name, 'success'))], [link(afterNode(name, 'error'))]] };
    } else {
      noOp(afterNode(name, 'next'), 500, y);
      connections[name] = { main: [[link(afterNode(name, 'next'))]] };
    }
  });
  const workflow = await api.publicApi<{ id: string }>('POST', '/workflows', { name: `Error modes: ${path}`, settings: {}, nodes, connections });
  await api.publishWorkflow(workflow.id);
  return workflow.id;
}

/** The JSON of the items a node's run sent to each of its outputs; undefined when it did not run. */
export function outputsOf(execution: N8nExecution, node: string): Record<string, unknown>[][] | undefined {
  const runs = execution.data?.resultData?.runData?.[node] as { data?: { main?: ({ json: Record<string, unknown> }[] | null)[] } }[] | undefined;
  if (!runs) return undefined;
  return (runs[0]?.data?.main ?? []).map((items) => (items ?? []).map((item) => item.json));
}
