// The service instances sharing the database (GET /api/v1/instances, admin keys): who is running,
// who drains during a deploy, and who went quiet. Refreshed every 5 s, as the heartbeats are written.
import { api, ApiError, el, fill, format } from './page-kit.js';

const rows = document.getElementById('instance-rows');
const note = document.getElementById('instances-note');
// Three missed heartbeats: the instance is gone (crashed, or cut off from the database).
const STALE_MS = 15_000;

function state(instance) {
  if (Date.now() - Date.parse(instance.lastHeartbeatAt) > STALE_MS) return el('span', { class: 'badge status-failed' }, 'silent');
  return instance.draining ? el('span', { class: 'badge status-running' }, 'draining') : el('span', { class: 'badge status-completed' }, 'running');
}

function row(instance, self) {
  return el(
    'tr',
    { 'data-instance': instance.name },
    el('td', {}, instance.name, instance.name === self ? el('span', { class: 'muted' }, ' (this page’s)') : undefined),
    el('td', {}, state(instance)),
    el('td', { class: 'number' }, String(instance.attemptsRunning)),
    el('td', { title: instance.startedAt }, format.age(instance.startedAt)),
    el('td', { title: instance.lastHeartbeatAt }, format.age(instance.lastHeartbeatAt)),
  );
}

async function refresh() {
  try {
    const { items, self } = await api('GET', '/instances');
    fill(rows, items.map((instance) => row(instance, self)));
    note.hidden = true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return;
    fill(note, error instanceof ApiError && error.code === 'missing_scope' ? 'Listing the instances needs an admin key.' : error.message);
    note.hidden = false;
  }
}

void refresh();
setInterval(() => void refresh(), 5_000);
