import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failingModel, startModelServer, type ModelServer } from '../../fixtures/model-server/model-server.ts';

/** The scripted model server's answers to requests the agent loops do not make themselves. */
describe('scripted model server', () => {
  let server: ModelServer;

  beforeAll(async () => {
    server = await startModelServer();
  });
  afterAll(async () => {
    await server.close();
  });

  const post = (path: string, body: unknown) =>
    fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('answers side requests with harmless valid bodies and records them', async () => {
    const before = server.requests.length;
    expect(await (await post('/v1/messages/count_tokens', { messages: [] })).json()).toEqual({ input_tokens: 1200 });
    expect(await (await post('/v1beta/models/gemini-x:countTokens', {})).json()).toEqual({ totalTokens: 1200 });
    expect((await fetch(`${server.url}/api/quota`)).status).toBe(200);
    const title = await (await post('/v1/messages', { model: 'm', messages: [{ role: 'user', content: 'name this chat' }] })).json();
    expect(title).toMatchObject({ type: 'message', content: [{ type: 'text', text: 'ok' }] });
    expect(server.requests.slice(before).map((request) => request.path)).toEqual([
      '/v1/messages/count_tokens',
      '/v1beta/models/gemini-x:countTokens',
      '/api/quota',
      '/v1/messages',
    ]);
  });

  it('fills a Gemini JSON-mode answer from its schema', async () => {
    const response = await post('/v1beta/models/gemini-x:generateContent', {
      contents: [{ role: 'user', parts: [{ text: 'classify' }] }],
      generationConfig: {
        responseMimeType: 'application/json',
        responseJsonSchema: { type: 'OBJECT', properties: { reasoning: { type: 'STRING' }, model_choice: { type: 'STRING', enum: ['flash', 'pro'] }, score: { type: 'INTEGER' } } },
      },
    });
    const body = (await response.json()) as { candidates: { content: { parts: { text: string }[] } }[] };
    expect(JSON.parse(body.candidates[0]?.content.parts[0]?.text ?? '')).toEqual({ reasoning: 'ok', model_choice: 'flash', score: 1 });
  });

  it('streams an Anthropic tool call with usage, then "done" after the tool result', async () => {
    const tools = [{ name: 'Write' }];
    const first = await (await post('/v1/messages', { stream: true, tools, system: 'Primary working directory: /tmp/x', messages: [{ role: 'user', content: 'go' }] })).text();
    expect(first).toContain('"name":"Write"');
    expect(first).toContain('\\"file_path\\":\\"/tmp/x/kage-claude.txt\\"');
    expect(first).toMatch(/"output_tokens":\d+/);
    const second = await (
      await post('/v1/messages', {
        stream: true,
        tools,
        messages: [
          { role: 'user', content: 'go' },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'ok' }] },
        ],
      })
    ).text();
    expect(second).toContain('"text":"done"');
  });

  it(`fails requests for the model ${failingModel}`, async () => {
    expect((await post('/v1/messages', { model: failingModel, messages: [] })).status).toBe(400);
    expect((await post(`/v1beta/models/${failingModel}:streamGenerateContent`, {})).status).toBe(400);
  });
});
