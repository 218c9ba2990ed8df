import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const ownDir = join(import.meta.dirname, 'assets');
const diff2htmlDir = join(dirname(require.resolve('diff2html/package.json')), 'bundles');

const types = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', svg: 'image/svg+xml' } as const;

/** Every file the pages load, by its name under /ui/assets: ours, and diff2html's bundle (no CDN). */
const files: Record<string, { path: string; type: string }> = {
  'diff2html.css': { path: join(diff2htmlDir, 'css', 'diff2html.min.css'), type: types.css },
  // The "slim" bundle: diff2html with highlight.js and its common languages.
  'diff2html-ui.js': { path: join(diff2htmlDir, 'js', 'diff2html-ui-slim.min.js'), type: types.js },
};
for (const name of ['ui.css', 'icon.svg', 'page-kit.js', 'tasks-page.js', 'task-page.js', 'attempt-column.js', 'task-actions.js', 'agent-stats.js', 'new-task-page.js', 'instances-page.js']) {
  const extension = name.slice(name.lastIndexOf('.') + 1) as keyof typeof types;
  files[name] = { path: join(ownDir, name), type: types[extension] };
}

export async function readPageAsset(name: string): Promise<{ body: Buffer; type: string } | undefined> {
  const file = Object.hasOwn(files, name) ? files[name] : undefined;
  if (!file) return undefined;
  return { body: await readFile(file.path), type: file.type };
}
