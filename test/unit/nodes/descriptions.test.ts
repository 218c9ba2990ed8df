import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { INodeProperties, INodeType } from 'n8n-workflow';
import { describe, expect, it } from 'vitest';
import { KageBunshinApi } from '../../../credentials/KageBunshinApi.credentials.ts';
import { KageBunshinAwaitProgress } from '../../../nodes/KageBunshinAwaitProgress/KageBunshinAwaitProgress.node.ts';
import { KageBunshinMerge } from '../../../nodes/KageBunshinMerge/KageBunshinMerge.node.ts';
import { KageBunshinSubmitTask } from '../../../nodes/KageBunshinSubmitTask/KageBunshinSubmitTask.node.ts';
import { KageBunshinTrigger } from '../../../nodes/KageBunshinTrigger/KageBunshinTrigger.node.ts';

const root = resolve(import.meta.dirname, '../../..');
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  homepage: string;
  dependencies?: Record<string, string>;
  n8n: { nodes: string[]; credentials: string[] };
};

const readme = readFileSync(join(root, 'README.md'), 'utf8');

// The categories n8n's docs allow for a node's codex file (docs.n8n.io, "Node codex files").
const nodePanelCategories = [
  'Analytics', 'Communication', 'Data & Storage', 'Development', 'Finance & Accounting', 'Marketing & Content',
  'Miscellaneous', 'Productivity', 'Sales', 'Utility',
];

const nodes: Record<string, INodeType> = {
  KageBunshinSubmitTask: new KageBunshinSubmitTask(),
  KageBunshinAwaitProgress: new KageBunshinAwaitProgress(),
  KageBunshinMerge: new KageBunshinMerge(),
  KageBunshinTrigger: new KageBunshinTrigger(),
};

const sourceOf = (distPath: string) => join(root, distPath.replace(/^dist\//, '').replace(/\.js$/, '.ts'));

function iconFiles(base: string, icon: unknown): string[] {
  const paths = typeof icon === 'string' ? [icon] : Object.values(icon as Record<string, string>);
  return paths.map((path) => resolve(base, path.replace(/^file:/, '')));
}

describe('package.json n8n block', () => {
  it('lists every node and the credential, by their built paths, and has no runtime dependencies', () => {
    const listed = packageJson.n8n.nodes.map((path) => path.split('/').at(-2));
    expect(listed.sort()).toEqual(Object.keys(nodes).sort());
    for (const path of [...packageJson.n8n.nodes, ...packageJson.n8n.credentials]) {
      expect(path).toMatch(/^dist\/.*\.js$/);
      expect(existsSync(sourceOf(path)), path).toBe(true);
    }
    expect(packageJson.dependencies ?? {}).toEqual({});
  });
});

describe.each(Object.entries(nodes))('%s description', (className, node) => {
  const { description } = node;
  const folder = join(root, 'nodes', className);

  it('is named after its class, with a subtitle, icons that exist and the Kage Bunshin credential', () => {
    expect(description.name).toBe(className.charAt(0).toLowerCase() + className.slice(1));
    expect(description.displayName).toMatch(/^Kage Bunshin /);
    expect(description.subtitle).toMatch(/^=\{\{/);
    for (const file of iconFiles(folder, description.icon)) expect(existsSync(file), file).toBe(true);
    expect(description.credentials).toEqual([{ name: new KageBunshinApi().name, required: true }]);
  });

  it('has a codex file naming the node as n8n will know it, in categories the node panel shows', () => {
    const codex = JSON.parse(readFileSync(join(folder, `${className}.node.json`), 'utf8')) as {
      node: string;
      categories: string[];
      resources: Record<string, { url: string }[]>;
    };
    expect(codex.node).toBe(`${packageJson.name}.${description.name}`);
    // "AI" (and its "Agents" subcategory) hides a community node from the panel's search.
    for (const category of codex.categories) expect(nodePanelCategories).toContain(category);
    const readmeSection = `#${description.displayName.toLowerCase().replace(/ /g, '-')}`;
    expect(codex.resources.primaryDocumentation).toEqual([{ url: `${packageJson.homepage.replace(/#readme$/, '')}${readmeSection}` }]);
    expect(readme).toMatch(new RegExp(`^#+ ${description.displayName}$`, 'm'));
  });

  it('lists every choice of every option list in alphabetical order, as n8n asks', () => {
    for (const list of optionLists(description.properties)) {
      // Choices show their name; a collection's parameters show their display name.
      const names = list.map((option) => (option as { displayName?: string }).displayName ?? option.name);
      expect(names, names.join(', ')).toEqual([...names].sort((a, b) => a.localeCompare(b)));
    }
  });

  it('has unique parameter names per display condition and only valid option defaults', () => {
    const seen = new Set<string>();
    for (const property of description.properties) {
      const key = `${property.name} ${JSON.stringify(property.displayOptions ?? {})}`;
      expect(seen.has(key), key).toBe(false);
      seen.add(key);
      checkOptionDefault(property);
    }
  });

  it('shows parameters only on conditions that name existing parameters and values', () => {
    const byName = new Map<string, INodeProperties[]>();
    for (const property of description.properties) byName.set(property.name, [...(byName.get(property.name) ?? []), property]);
    for (const property of description.properties) {
      for (const [name, values] of Object.entries(property.displayOptions?.show ?? {})) {
        const targets = byName.get(name);
        expect(targets, `${property.name} depends on missing ${name}`).toBeDefined();
        const allowed = targets!.flatMap((target) =>
          target.type === 'boolean' ? [true, false] : (target.options ?? []).map((option) => (option as { value: unknown }).value),
        );
        for (const value of values as unknown[]) expect(allowed, `${property.name}: ${name}=${String(value)}`).toContain(value);
      }
    }
  });
});

function checkOptionDefault(property: INodeProperties): void {
  if (property.type === 'options' && !property.typeOptions?.loadOptionsMethod) {
    expect(property.options?.map((option) => (option as { value: unknown }).value)).toContain(property.default);
  }
  if (property.type === 'multiOptions') {
    const values = property.options?.map((option) => (option as { value: unknown }).value);
    for (const value of property.default as unknown[]) expect(values).toContain(value);
  }
  for (const option of property.options ?? []) {
    if ('type' in option) checkOptionDefault(option as INodeProperties);
    if ('values' in option) for (const value of (option as { values: INodeProperties[] }).values) checkOptionDefault(value);
  }
}

/** Every list of choices in the properties, nested collections included. */
function optionLists(properties: INodeProperties[]): { name: string }[][] {
  return properties.flatMap((property) => {
    const options = (property.options ?? []) as { name: string; type?: string; values?: INodeProperties[] }[];
    if (property.type === 'options' || property.type === 'multiOptions') return [options];
    if (property.type === 'collection') return [options, ...optionLists(options as unknown as INodeProperties[])];
    if (property.type === 'fixedCollection') return [options, ...options.flatMap((group) => optionLists(group.values ?? []))];
    return [];
  });
}

describe('node kinds', () => {
  it('Await Progress declares a restart (resume) webhook and no trigger lifecycle', () => {
    const node = nodes.KageBunshinAwaitProgress;
    expect(node.description.webhooks).toEqual([
      expect.objectContaining({ name: 'default', httpMethod: 'POST', path: '', restartWebhook: true, responseMode: 'onReceived' }),
    ]);
    expect(node.webhookMethods).toBeUndefined();
    expect(typeof node.webhook).toBe('function');
  });

  it('the Trigger has no inputs, is no tool, and implements the whole subscription lifecycle', () => {
    const node = nodes.KageBunshinTrigger;
    expect(node.description.inputs).toEqual([]);
    expect(node.description.usableAsTool).toBeUndefined();
    expect(Object.keys(node.webhookMethods?.default ?? {}).sort()).toEqual(['checkExists', 'create', 'delete']);
    expect(node.description.webhooks?.[0].restartWebhook).toBeUndefined();
  });

  it('the credential authenticates with X-API-Key and tests itself against GET /api/v1/agents', () => {
    const credential = new KageBunshinApi();
    expect(credential.authenticate).toEqual({ type: 'generic', properties: { headers: { 'X-API-Key': '={{$credentials.apiKey}}' } } });
    expect(credential.test.request).toMatchObject({ url: '/agents', method: 'GET' });
    expect(String(credential.test.request.baseURL)).toContain('/api/v1');
    const passwords = credential.properties.filter((property) => property.typeOptions?.password).map((property) => property.name);
    expect(passwords.sort()).toEqual(['apiKey', 'webhookSecret']);
    for (const file of iconFiles(join(root, 'credentials'), credential.icon)) expect(existsSync(file), file).toBe(true);
  });
});

