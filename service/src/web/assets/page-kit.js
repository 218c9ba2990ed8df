// What every review page's script shares: calling the API with the session cookie, building
// DOM from text (never from HTML strings: agents' output is shown as text), and formatting.

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `The service answered ${status}`);
    this.status = status;
    this.code = body?.error?.code ?? 'http_error';
    this.details = body?.error?.details;
  }
}

/** A JSON call to /api/v1; a 401 (session ended) goes back to the login form. */
export async function api(method, path, body) {
  const response = await fetch(`/api/v1${path}`, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const parsed = await response.json().catch(() => undefined);
  if (response.status === 401) {
    location.assign(`/ui/login?next=${encodeURIComponent(location.pathname)}`);
    throw new ApiError(401, parsed);
  }
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

/**
 * `el('td', {class: 'number', title: 'x'}, 'text', child)`: strings become text nodes, `on`
 * holds listeners. No innerHTML anywhere, so nothing an agent printed can become markup.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'on') for (const [type, listener] of Object.entries(value)) node.addEventListener(type, listener);
    else if (name === 'class') node.className = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  node.append(...present(children));
  return node;
}

/** Replaces a node's children, as `el` takes them. */
export function fill(node, ...children) {
  node.replaceChildren(...present(children));
  return node;
}

// Arrays flattened; undefined, null and false (what `cond ? x : undefined` leaves) left out.
function present(children) {
  return children.flat().filter((child) => child !== undefined && child !== null && child !== false);
}

export function statusBadge(status) {
  return el('span', { class: `badge status-${status}` }, status);
}

export const format = {
  cost(usd) {
    return typeof usd === 'number' ? `$${usd < 0.01 && usd > 0 ? usd.toFixed(4) : usd.toFixed(2)}` : '—';
  },
  tokens(count) {
    return typeof count === 'number' ? count.toLocaleString('en') : '—';
  },
  duration(ms) {
    if (typeof ms !== 'number' || ms < 0) return '—';
    const seconds = Math.round(ms / 1000);
    if (seconds < 60) return `${seconds} s`;
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
    return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  },
  age(iso) {
    const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (seconds < 60) return 'just now';
    if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
    if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
    return `${Math.floor(seconds / 86_400)} d ago`;
  },
};

/** A task's duration: to its end, or so far while it runs. */
export function taskDuration(task) {
  if (!task.startedAt) return undefined;
  return Date.parse(task.completedAt ?? new Date().toISOString()) - Date.parse(task.startedAt);
}

/** What went wrong, in plain words: the service's message, and any conflicts it names. */
export function describeError(error) {
  if (!(error instanceof ApiError)) return [el('p', {}, `Could not reach the service: ${error?.message ?? error}`)];
  const parts = [el('p', {}, `${error.message} (${error.status} ${error.code})`)];
  const conflicts = error.details?.conflicts;
  if (Array.isArray(conflicts) && conflicts.length > 0) {
    parts.push(el('p', {}, 'Conflicting files:'), el('ul', {}, conflicts.map((conflict) => el('li', {}, el('code', {}, conflict.path), ` (${conflict.kind}): ${conflict.message}`))));
  }
  return parts;
}

/** Shows an action's outcome in a status region: `ok` green, otherwise red. */
export function showOutcome(region, ok, ...content) {
  fill(region, el('div', { class: ok ? 'notice ok' : 'notice problem' }, ...content));
}
