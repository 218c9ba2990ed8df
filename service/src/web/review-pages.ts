/**
 * The review pages under /ui: the task list, a task's attempts side by side with their diffs
 * and the merge actions, and a form for a new task. They are shells: their scripts read the
 * same /api/v1 the nodes use, authenticated by the session cookie that logging in sets.
 */
import type { Context, Env, Hono } from 'hono';
import { html } from 'hono/html';
import { sessionPrincipal } from '../api/middleware/api-key-auth.ts';
import type { KeyRing } from '../access/key-ring.ts';
import type { BrowserSessions } from '../access/browser-sessions.ts';
import { registerLoginRoutes } from './login-routes.ts';
import { readPageAsset } from './page-assets.ts';
import { pageSecurityHeaders, pageShell, type PageParts } from './page-shell.ts';
import { taskStatuses } from '../model/statuses.ts';

export interface ReviewPageDeps {
  sessions: BrowserSessions;
  publicUrl: string;
  /** KAGE_TRUST_PROXY: whether X-Forwarded-Proto says the page was served over HTTPS (Secure cookie). */
  trustProxy?: boolean | undefined;
}

const taskIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const diffAssets = { extraStyles: ['/ui/assets/diff2html.css'], extraScripts: ['/ui/assets/diff2html-ui.js'] };

export function registerReviewPages<E extends Env>(app: Hono<E>, keys: KeyRing, deps: ReviewPageDeps): void {
  const signedIn = async (c: Context): Promise<boolean> => (await sessionPrincipal(c, deps.sessions, keys)) !== undefined;
  // A page for a signed-in reader, or the way to the login form and back.
  const page = (parts: (c: Context) => Omit<PageParts, 'signedIn'> & { status?: 404 }) => async (c: Context) => {
    if (!(await signedIn(c))) return c.redirect(`/ui/login?next=${encodeURIComponent(c.req.path)}`, 303);
    const { status, ...shell } = parts(c);
    return c.html(pageShell({ ...shell, signedIn: true }), status ?? 200, pageSecurityHeaders);
  };

  // No page ends in a slash: `/ui/` or `/ui/tasks/<id>/`, typed or pasted, goes to its page, not a JSON 404.
  // The Location is a path (not built from Host), so it cannot point anywhere but here.
  app.on(['GET', 'HEAD'], '/ui/*', async (c, next) => {
    const path = c.req.path;
    if (!path.endsWith('/')) return next();
    const query = new URL(c.req.url).search;
    return c.redirect(`${path.replace(/\/+$/, '')}${query}`, 301);
  });

  registerLoginRoutes(app, keys, { ...deps, signedIn });

  app.get(
    '/ui',
    page(() => ({
      title: 'Tasks',
      script: 'tasks-page.js',
      body: html`<div class="heading"><h1>Tasks</h1><a class="button" href="/ui/tasks/new">New task</a></div>
<div class="toolbar">
  <label>Status <select id="status-filter"><option value="">all</option>${taskStatuses.map(
    (status) => html`<option>${status}</option>`,
  )}</select></label>
  <span id="live" class="live" role="status">connecting…</span>
</div>
<table class="tasks"><thead><tr><th scope="col">Task</th><th scope="col">Status</th><th scope="col">Agents</th><th scope="col">Winner</th><th scope="col" class="number">Cost</th><th scope="col" class="number">Duration</th><th scope="col">Age</th></tr></thead>
<tbody id="task-rows"></tbody></table>
<p id="tasks-empty" class="empty" hidden>No tasks yet. <a href="/ui/tasks/new">Start one</a>.</p>
<div class="pager"><button type="button" id="more" hidden>Show more</button></div>`,
    })),
  );

  app.get(
    '/ui/instances',
    page(() => ({
      title: 'Instances',
      script: 'instances-page.js',
      body: html`<h1>Instances</h1>
<p class="hint">The service instances sharing this database. A draining instance takes no new work and finishes what it runs (a deploy); a silent one stopped writing its heartbeat.</p>
<p id="instances-note" class="outcome" role="status" hidden></p>
<table class="tasks"><thead><tr><th scope="col">Name</th><th scope="col">State</th><th scope="col" class="number">Attempts running</th><th scope="col">Started</th><th scope="col">Last heartbeat</th></tr></thead>
<tbody id="instance-rows"></tbody></table>`,
    })),
  );

  app.get(
    '/ui/tasks/new',
    page(() => ({ title: 'New task', script: 'new-task-page.js', body: newTaskForm() })),
  );

  app.get(
    '/ui/tasks/:id',
    page((c) => {
      const id = c.req.param('id') ?? '';
      if (!taskIdPattern.test(id)) return { status: 404, title: 'Not found', body: html`<h1>No such task</h1><p><a href="/ui">All tasks</a></p>` };
      return {
        title: 'Task',
        script: 'task-page.js',
        ...diffAssets,
        data: { 'task-id': id },
        body: html`<div id="task-head" aria-live="polite"><h1>Loading task…</h1></div>
<section id="actions" class="actions" aria-label="Actions"></section>
<div id="outcome" class="outcome" role="status" aria-live="polite"></div>
<section aria-label="Attempts"><div id="attempts" class="attempts"></div></section>
<section id="diff-panel" class="diff-panel" aria-label="Diff" hidden></section>
<section aria-labelledby="merges-title"><h2 id="merges-title">Merge history</h2><div id="merges"><p class="empty">No merges yet.</p></div></section>
<section class="agent-stats" aria-labelledby="agent-stats-title"><h2 id="agent-stats-title">Agents on this repository</h2><div id="agent-stats"><p class="empty">Reading their figures…</p></div></section>`,
      };
    }),
  );

  app.get('/ui/assets/:file', async (c) => {
    const asset = await readPageAsset(c.req.param('file'));
    if (!asset) return c.json({ error: { code: 'not_found', message: `No page asset ${c.req.param('file')}` } }, 404);
    return c.body(new Uint8Array(asset.body), 200, { 'Content-Type': asset.type, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
  });
}

function newTaskForm() {
  return html`<h1>New task</h1>
<form id="new-task" class="form" novalidate>
  <label for="description">What should the agents do?</label>
  <textarea id="description" name="description" rows="4" required></textarea>
  <fieldset><legend>Repository</legend>
    <label for="repository">Local path or git URL</label>
    <input id="repository" name="repository" required placeholder="/home/me/app or https://git.example.com/me/app.git">
    <label for="credential">Credential (for a URL)</label>
    <input id="credential" name="credential" placeholder="the name of a stored git credential">
    <label for="baseRef">Base ref</label>
    <input id="baseRef" name="baseRef" value="HEAD">
  </fieldset>
  <fieldset id="agents"><legend>Agents</legend><p class="empty">Reading the agents this service can run…</p></fieldset>
  <label for="verify">Verify command</label>
  <input id="verify" name="verify" placeholder="npm test">
  <p class="hint">Arguments separated by spaces, or a JSON array such as ["npm", "run", "test:unit"]. Run in each attempt's worktree; passing attempts rank first.</p>
  <div class="row">
    <div><label for="budget">Budget (USD)</label><input id="budget" name="budget" type="number" min="0" step="0.01"></div>
    <div><label for="timeout">Timeout per attempt (minutes)</label><input id="timeout" name="timeout" type="number" min="1" step="1" value="30"></div>
  </div>
  <button type="submit">Start the task</button>
  <div id="form-outcome" class="outcome" role="status" aria-live="polite"></div>
</form>`;
}
