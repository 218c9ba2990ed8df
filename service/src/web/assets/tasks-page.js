// The task list: a page of tasks, filtered by status, updated live from /api/v1/task-changes.
import { api, el, format, statusBadge, taskDuration } from './page-kit.js';

const PAGE_SIZE = 50;
const rows = document.getElementById('task-rows');
const empty = document.getElementById('tasks-empty');
const filter = /** @type {HTMLSelectElement} */ (document.getElementById('status-filter'));
const more = document.getElementById('more');
const live = document.getElementById('live');
const shown = new Map();
let page = 1;

filter.value = new URLSearchParams(location.search).get('status') ?? '';
filter.addEventListener('change', () => {
  const url = new URL(location.href);
  if (filter.value) url.searchParams.set('status', filter.value);
  else url.searchParams.delete('status');
  history.replaceState(null, '', url);
  void reload();
});
more.addEventListener('click', () => void loadPage(page + 1));

function row(task) {
  const winner = task.winner ? task.agents.find((agent) => agent.label === task.winner) : undefined;
  return el(
    'tr',
    { 'data-task-id': task.id, 'data-status': task.status },
    el('td', { class: 'description' }, el('a', { href: `/ui/tasks/${task.id}` }, firstLine(task.description)), el('div', { class: 'muted' }, task.repository.url ?? task.repository.path)),
    el('td', {}, statusBadge(task.status)),
    el('td', {}, task.agents.map((agent) => agent.label).join(', ')),
    el('td', {}, winner ? `${winner.label}` : '—'),
    el('td', { class: 'number' }, format.cost(task.totalCostUsd)),
    el('td', { class: 'number' }, format.duration(taskDuration(task))),
    el('td', { title: task.createdAt }, format.age(task.createdAt)),
  );
}

function firstLine(text) {
  const line = text.split('\n')[0];
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}

function matchesFilter(task) {
  return !filter.value || task.status === filter.value;
}

function place(task, { atTop }) {
  const existing = shown.get(task.id);
  if (!matchesFilter(task)) {
    existing?.remove();
    shown.delete(task.id);
  } else {
    const fresh = row(task);
    if (existing) existing.replaceWith(fresh);
    else if (atTop) rows.prepend(fresh);
    else rows.append(fresh);
    shown.set(task.id, fresh);
  }
  empty.hidden = shown.size > 0;
}

async function loadPage(number) {
  const query = new URLSearchParams({ page: String(number), pageSize: String(PAGE_SIZE) });
  if (filter.value) query.set('status', filter.value);
  const list = await api('GET', `/tasks?${query}`);
  page = number;
  for (const task of list.items) place(task, { atTop: false });
  more.hidden = page * PAGE_SIZE >= list.total;
  empty.hidden = shown.size > 0;
}

async function reload() {
  rows.replaceChildren();
  shown.clear();
  await loadPage(1);
}

async function refresh(taskIds) {
  for (const id of taskIds) {
    const task = await api('GET', `/tasks/${id}`).catch(() => undefined);
    if (task) place(task, { atTop: true });
  }
}

function listen() {
  const source = new EventSource('/api/v1/task-changes');
  source.addEventListener('connected', () => {
    live.textContent = 'live';
    live.dataset.state = 'live';
  });
  source.addEventListener('changed', (message) => void refresh(JSON.parse(message.data).taskIds));
  source.addEventListener('resync', () => void reload());
  source.addEventListener('error', () => {
    live.textContent = 'reconnecting…';
    live.dataset.state = 'offline';
  });
}

// Running durations move on without any event.
setInterval(() => {
  const running = [...shown].filter(([, tr]) => tr.dataset.status === 'running').map(([id]) => id);
  void refresh(running);
}, 30_000);

await reload();
listen();
