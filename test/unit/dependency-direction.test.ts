import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The service's rooms from the bottom up. A file may import its own room and any room on a
 * lower line, never one on its own line or above: that keeps dependencies running one way
 * (api → domain → stores → db) as the house grows. A new folder must be given its line here.
 */
const layers: readonly (readonly string[])[] = [
  ['refusal.ts', 'logger.ts', 'data-dir-secret.ts', 'path-inside.ts', 'net-address.ts', 'metrics'],
  // The domain's shapes (a task, an attempt, their statuses, agent names, attempt limits): plain types and lists.
  ['model'],
  // Spans and the trace context (OpenTelemetry): used by every room that does traced work.
  ['tracing'],
  ['agents'],
  ['sandbox'],
  ['db'],
  ['git'],
  ['events', 'queue'],
  ['webhooks', 'credentials', 'access'],
  ['executor', 'tasks'],
  ['merge'],
  ['pull-requests'],
  ['api'],
  ['web', 'mcp'],
  // The HTTP root: the API, the review pages, docs, metrics and MCP side by side.
  ['http.ts'],
  // The configuration, the composition root that wires the rooms together, and the entry point.
  ['config.ts'],
  ['services.ts'],
  ['main.ts'],
  // The published package's command: main.ts's serve and migrate, plus keys and version.
  ['cli.ts', 'kage'],
];

const serviceSrc = resolve(import.meta.dirname, '../../service/src');

interface ImportEdge {
  file: string;
  imported: string;
}

function roomOf(pathInSrc: string): string {
  return pathInSrc.split(sep)[0]!;
}

function layerOf(room: string): number {
  return layers.findIndex((layer) => layer.includes(room));
}

/** The imports that break the layering, as "file → imported file (room a may not import room b)". */
export function violations(edges: readonly ImportEdge[]): string[] {
  return edges.flatMap(({ file, imported }) => {
    const from = roomOf(file);
    const to = roomOf(imported);
    if (from === to) return [];
    const fromLayer = layerOf(from);
    const toLayer = layerOf(to);
    if (fromLayer === -1) return [`${file}: room ${from} has no line in the layering`];
    if (toLayer === -1) return [`${file} → ${imported}: room ${to} has no line in the layering`];
    return toLayer < fromLayer ? [] : [`${file} → ${imported} (${from} may not import ${to})`];
  });
}

/** Import circles between files (type-only imports too: a circle is a knot to read either way), each as "a → b → a". */
export function circles(edges: readonly ImportEdge[]): string[] {
  const next = new Map<string, string[]>();
  for (const { file, imported } of edges) next.set(file, [...(next.get(file) ?? []), imported]);
  const found = new Set<string>();
  const state = new Map<string, 'open' | 'done'>();
  const visit = (file: string, path: string[]): void => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      const circle = path.slice(path.indexOf(file));
      // One way of writing each circle: from its alphabetically first file.
      const start = circle.indexOf([...circle].sort()[0]!);
      found.add([...circle.slice(start), ...circle.slice(0, start), circle[start]].join(' → '));
      return;
    }
    state.set(file, 'open');
    for (const imported of next.get(file) ?? []) visit(imported, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of next.keys()) visit(file, []);
  return [...found].sort();
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const importSpecifier = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

function serviceImports(): ImportEdge[] {
  return sourceFiles(serviceSrc).flatMap((path) => {
    const source = readFileSync(path, 'utf8');
    return [...source.matchAll(importSpecifier)].map((match) => ({
      file: relative(serviceSrc, path),
      imported: relative(serviceSrc, resolve(dirname(path), match[1]!)),
    }));
  });
}

describe('dependency direction in service/src', () => {
  it('finds the imports, so the check below has something to check', () => {
    const edges = serviceImports();
    expect(edges.length).toBeGreaterThan(200);
    expect(edges).toContainEqual({ file: 'http.ts', imported: join('api', 'error-map.ts') });
    expect(edges.some((edge) => roomOf(edge.file) === 'merge' && roomOf(edge.imported) === 'git')).toBe(true);
  });

  it('has no import from a lower room into a higher one, nor between rooms on one line', () => {
    expect(violations(serviceImports())).toEqual([]);
  });

  it('has no import circle between files', () => {
    expect(circles(serviceImports())).toEqual([]);
  });

  it('finds a circle, however long', () => {
    const edge = (file: string, imported: string) => ({ file, imported });
    expect(circles([edge('b.ts', 'c.ts'), edge('c.ts', 'a.ts'), edge('a.ts', 'b.ts'), edge('a.ts', 'd.ts')])).toEqual(['a.ts → b.ts → c.ts → a.ts']);
    expect(circles([edge('a.ts', 'b.ts'), edge('b.ts', 'c.ts')])).toEqual([]);
  });

  it('refuses upward and sideways imports and rooms it does not know', () => {
    expect(
      violations([
        { file: join('merge', 'merge-service.ts'), imported: join('api', 'http-error.ts') },
        { file: join('tasks', 'task-service.ts'), imported: join('executor', 'worktree-manager.ts') },
        { file: join('events', 'event-store.ts'), imported: join('webhooks', 'fan-out.ts') },
        { file: join('sandbox', 'sandbox.ts'), imported: join('db', 'db.ts') },
        { file: join('jail', 'jail.ts'), imported: join('db', 'db.ts') },
        { file: join('api', 'api-app.ts'), imported: join('db', 'db.ts') },
      ]),
    ).toEqual([
      `${join('merge', 'merge-service.ts')} → ${join('api', 'http-error.ts')} (merge may not import api)`,
      `${join('tasks', 'task-service.ts')} → ${join('executor', 'worktree-manager.ts')} (tasks may not import executor)`,
      `${join('events', 'event-store.ts')} → ${join('webhooks', 'fan-out.ts')} (events may not import webhooks)`,
      `${join('sandbox', 'sandbox.ts')} → ${join('db', 'db.ts')} (sandbox may not import db)`,
      `${join('jail', 'jail.ts')}: room jail has no line in the layering`,
    ]);
  });
});
