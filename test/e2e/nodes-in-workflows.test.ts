/**
 * The nodes in workflows built through n8n's API in a real n8n, for what the shipped example
 * workflows do not cover.
 *
 * n8n's own AI Agent uses Submit Task as a tool: its chat model is n8n's OpenAI Chat Model node
 * pointed at the scripted model server (chat completions), which calls the tool; the task then
 * exists on the service and the agent's answer carries its id.
 *
 * The AI Agent is typeVersion 2.2: in n8n 2.41 the default 3.1 hands the model an empty tool
 * result ("") for every node used as a tool in a production webhook run, n8n's own Date & Time
 * Tool included (checked), so no answer could quote the task.
 */
import { rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startModelServer, type ModelServer } from '../fixtures/model-server/model-server.ts';
import { packCommunityPackage } from '../support/community-package.ts';
import { afterNode, type ErrorMode, type FailingNode, outputsOf, publishErrorModeWorkflow } from '../support/error-mode-workflows.ts';
import { createTestRepo, makeTempDir, type TestRepo } from '../support/git-repo.ts';
import { N8nClient } from '../support/n8n-api.ts';
import { N8nServer } from '../support/n8n-server.ts';
import { makeGateDir, startServiceProcess, type ServiceProcess } from '../support/service-process.ts';
import { TEST_API_KEY } from '../support/service-harness.ts';
import { e2eWebhookSecret } from '../support/workflow-stack.ts';

describe('the nodes in real n8n workflows', () => {
  let models: ModelServer;
  let service: ServiceProcess;
  let n8n: N8nServer;
  let api: N8nClient;
  let repo: TestRepo;
  let dataDir: string;
  let kage: string;

  beforeAll(async () => {
    models = await startModelServer();
    repo = await createTestRepo();
    dataDir = await makeTempDir('kage-ai-agent-data-');
    service = await startServiceProcess({ KAGE_DATA_DIR: dataDir });
    n8n = await N8nServer.create();
    await n8n.installCommunityPackage(await packCommunityPackage(join(n8n.userFolder, 'packed')));
    await n8n.start();
    api = new N8nClient(n8n.baseUrl);
    await api.login(n8n.owner);
    await api.createApiKey();
    kage = await api.createCredential({
      name: 'Kage Bunshin account',
      type: 'kageBunshinApi',
      data: { baseUrl: service.url, apiKey: TEST_API_KEY, webhookSecret: e2eWebhookSecret },
    });
  });

  afterAll(async () => {
    await n8n?.stop();
    await service?.kill('SIGTERM');
    await models?.close();
    await repo?.cleanup();
    if (n8n) rmSync(n8n.userFolder, { recursive: true, force: true });
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("n8n's AI Agent calls Submit Task as a tool, which creates the task, and answers with its id", async () => {
    const openAi = await api.createCredential({
      name: 'Scripted model server',
      type: 'openAiApi',
      data: { apiKey: 'sk-scripted', url: `${models.url}/v1`, header: false },
    });
    const workflow = await api.publicApi<{ id: string }>('POST', '/workflows', {
      name: 'AI Agent submits a coding task',
      settings: {},
      nodes: [
        {
          id: 'a0000000-0000-4000-8000-000000000001',
          name: 'Request',
          type: 'n8n-nodes-base.webhook',
          typeVersion: 2,
          position: [0, 0],
          webhookId: 'a0000000-0000-4000-8000-0000000000aa',
          parameters: { httpMethod: 'POST', path: 'kage-ai-agent', responseMode: 'lastNode', options: {} },
        },
        {
          id: 'a0000000-0000-4000-8000-000000000002',
          name: 'AI Agent',
          type: '@n8n/n8n-nodes-langchain.agent',
          typeVersion: 2.2,
          position: [300, 0],
          parameters: { promptType: 'define', text: '={{ $json.body.message }}', options: {} },
        },
        {
          id: 'a0000000-0000-4000-8000-000000000003',
          name: 'OpenAI Chat Model',
          type: '@n8n/n8n-nodes-langchain.lmChatOpenAi',
          typeVersion: 1.2,
          position: [200, 250],
          parameters: { model: { __rl: true, mode: 'id', value: 'gpt-4o-mini' }, options: {} },
          credentials: { openAiApi: { id: openAi, name: 'Scripted model server' } },
        },
        {
          id: 'a0000000-0000-4000-8000-000000000004',
          name: 'Kage Bunshin Submit Task',
          type: 'n8n-nodes-kage-bunshin.kageBunshinSubmitTaskTool',
          typeVersion: 1,
          position: [400, 250],
          parameters: {
            resource: 'task',
            operation: 'submit',
            description: "={{ $fromAI('description', 'What the coding agents should do, in words', 'string') }}",
            repositoryPath: repo.path,
            agents: { agent: [{ agent: 'command', command: '["node","-e","require(\'fs\').writeFileSync(\'agent.txt\',\'hi\')"]' }] },
          },
          credentials: { kageBunshinApi: { id: kage, name: 'Kage Bunshin account' } },
        },
      ],
      connections: {
        Request: { main: [[{ node: 'AI Agent', type: 'main', index: 0 }]] },
        'OpenAI Chat Model': { ai_languageModel: [[{ node: 'AI Agent', type: 'ai_languageModel', index: 0 }]] },
        'Kage Bunshin Submit Task': { ai_tool: [[{ node: 'AI Agent', type: 'ai_tool', index: 0 }]] },
      },
    });
    await api.publishWorkflow(workflow.id);

    const response = await api.callWebhook('kage-ai-agent', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'Add a greeting file to the repository' }),
    });
    const answer = await response.text();
    const execution = await api.waitForExecution({ workflowId: workflow.id }, (e) => e.finished || e.status !== 'running');
    expect(response.status, `${answer}\n${JSON.stringify(execution.data?.resultData?.error ?? execution.status)}`).toBe(200);

    const tasks = (await (await service.request('/api/v1/tasks')).json()) as { items: { id: string; description: string }[] };
    const [task, ...others] = tasks.items.filter((item) => item.description === 'Add a greeting file to the repository');
    expect(others).toEqual([]);
    expect(task!.description).toBe('Add a greeting file to the repository');
    expect(answer).toContain(task!.id);

    const toolCall = models.requests.find((request) => JSON.stringify(request.body).includes('"tools"'));
    expect(JSON.stringify(toolCall?.body)).toMatch(/Kage_Bunshin_Submit_Task|Kage Bunshin Submit Task/);
  });

  it('Await Progress behind a webhook answered "When Last Node Finishes" says waiting, not timed out, then resumes', async () => {
    // A folder the sandboxed agent can see the gate appear in.
    const gate = join(await makeGateDir(), 'await-gate');
    const gated = `const fs=require('fs');const t=setInterval(()=>{if(fs.existsSync(${JSON.stringify(gate)})){clearInterval(t);fs.writeFileSync('awaited.txt','x')}},100)`;
    const credentials = { kageBunshinApi: { id: kage, name: 'Kage Bunshin account' } };
    const workflow = await api.publicApi<{ id: string }>('POST', '/workflows', {
      name: 'Submit and await, answered by the last node',
      settings: {},
      nodes: [
        {
          id: 'c0000000-0000-4000-8000-000000000001',
          name: 'Request',
          type: 'n8n-nodes-base.webhook',
          typeVersion: 2,
          position: [0, 0],
          webhookId: 'c0000000-0000-4000-8000-0000000000aa',
          parameters: { httpMethod: 'POST', path: 'kage-await-last-node', responseMode: 'lastNode', options: {} },
        },
        {
          id: 'c0000000-0000-4000-8000-000000000002',
          name: 'Submit Task',
          type: 'n8n-nodes-kage-bunshin.kageBunshinSubmitTask',
          typeVersion: 1,
          position: [250, 0],
          parameters: {
            resource: 'task',
            operation: 'submit',
            description: 'Wait for the gate',
            repositoryPath: repo.path,
            agents: { agent: [{ agent: 'command', command: JSON.stringify([process.execPath, '-e', gated]) }] },
          },
          credentials,
        },
        {
          id: 'c0000000-0000-4000-8000-000000000003',
          name: 'Await Result',
          type: 'n8n-nodes-kage-bunshin.kageBunshinAwaitProgress',
          typeVersion: 1,
          position: [500, 0],
          parameters: { operation: 'wait', waitFor: 'taskFinished', timeout: 10, timeoutUnit: 'minutes' },
          credentials,
        },
      ],
      connections: {
        Request: { main: [[{ node: 'Submit Task', type: 'main', index: 0 }]] },
        'Submit Task': { main: [[{ node: 'Await Result', type: 'main', index: 0 }]] },
      },
    });
    await api.publishWorkflow(workflow.id);

    const response = await api.callWebhook('kage-await-last-node', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const answer = (await response.json()) as Record<string, unknown>;
    expect(response.status, JSON.stringify(answer)).toBe(200);
    expect(answer).toMatchObject({ waiting: true, timedOut: false, event: null });

    await writeFile(gate, '');
    const execution = await api.waitForExecution({ workflowId: workflow.id }, (e) => e.status === 'success');
    const awaited = JSON.stringify(execution.data?.resultData?.runData?.['Await Result']);
    expect(awaited).toContain('"timedOut":false');
    expect(awaited).toContain('"status":"completed"');
  });

  it("every node's three On Error settings: stop the workflow, continue with the error item, or send it down the error output", async () => {
    const credentials = { kageBunshinApi: { id: kage, name: 'Kage Bunshin account' } };
    const unknownTask = { __rl: true, mode: 'id', value: '0b0b0b0b-0000-4000-8000-000000000000' };
    const failing: FailingNode[] = [
      {
        name: 'Submit Task',
        type: 'n8n-nodes-kage-bunshin.kageBunshinSubmitTask',
        parameters: {
          resource: 'task',
          operation: 'submit',
          description: 'A repository that is not there',
          repositoryPath: join(repo.path, 'no-such-repository'),
          agents: { agent: [{ agent: 'command', command: '["node","-e","1"]' }] },
        },
        code: 'invalid_repository',
      },
      { name: 'Await Progress', type: 'n8n-nodes-kage-bunshin.kageBunshinAwaitProgress', parameters: { operation: 'wait', taskId: unknownTask, waitFor: 'taskFinished' }, code: 'not_found' },
      { name: 'Merge', type: 'n8n-nodes-kage-bunshin.kageBunshinMerge', parameters: { operation: 'merge', taskId: unknownTask, strategy: 'auto' }, code: 'not_found' },
    ];
    const run = async (path: string, cases: { node: FailingNode; mode: ErrorMode }[], status: string) => {
      const workflowId = await publishErrorModeWorkflow(api, path, cases, credentials);
      const response = await api.callWebhook(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(response.status, await response.text()).toBe(200);
      return await api.waitForExecution({ workflowId }, (e) => e.status !== 'running' && e.status !== 'new', 30_000).then((execution) => {
        expect(execution.status, JSON.stringify(execution.data?.resultData?.error)).toBe(status);
        return execution;
      });
    };

    // Both continue modes in one workflow (one execution), each node fed the same request.
    const modes: ErrorMode[] = ['continueRegularOutput', 'continueErrorOutput'];
    const continued = await run('kage-error-modes', failing.flatMap((node) => modes.map((mode) => ({ node, mode }))), 'success');
    for (const node of failing) {
      const regular = `${node.name} (continueRegularOutput)`;
      const [next] = outputsOf(continued, afterNode(regular, 'next')) ?? [[]];
      expect(next, regular).toEqual([expect.objectContaining({ error: expect.any(String) })]);
      const routed = `${node.name} (continueErrorOutput)`;
      expect(outputsOf(continued, afterNode(routed, 'success')), `${routed}: nothing goes down the success output`).toBeUndefined();
      const [errorItems] = outputsOf(continued, afterNode(routed, 'error')) ?? [[]];
      expect(errorItems, routed).toEqual([expect.objectContaining({ error: expect.any(String) })]);
      expect(errorItems![0]).toMatchObject({ details: { code: node.code, httpCode: expect.any(String) } });
      expect(next![0]).toMatchObject({ details: { code: node.code } });
    }

    // Stop Workflow: the execution fails at the node with the service's words, and nothing after it runs.
    for (const node of failing) {
      const path = `kage-error-stop-${node.name.toLowerCase().replace(/\W+/g, '-')}`;
      const stopped = await run(path, [{ node, mode: 'stopWorkflow' }], 'error');
      expect(stopped.data?.resultData?.lastNodeExecuted).toBe(`${node.name} (stopWorkflow)`);
      expect(JSON.stringify(stopped.data?.resultData?.error)).toMatch(node.code === 'not_found' ? /0b0b0b0b-0000-4000-8000-000000000000 does not exist/ : /no-such-repository does not exist/);
      expect(outputsOf(stopped, afterNode(`${node.name} (stopWorkflow)`, 'next'))).toBeUndefined();
    }
  });
});
