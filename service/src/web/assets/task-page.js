// A task's page: its attempts side by side with live logs, their diffs, and the merge actions.
import { drawAgentStats } from './agent-stats.js';
import { AttemptColumn, logLine } from './attempt-column.js';
import { api, describeError, el, fill, format, showOutcome, statusBadge, taskDuration } from './page-kit.js';
import { drawActions } from './task-actions.js';

const taskId = document.getElementById('main').dataset.taskId;
const head = document.getElementById('task-head');
const actions = document.getElementById('actions');
const outcome = document.getElementById('outcome');
const attempts = document.getElementById('attempts');
const diffPanel = document.getElementById('diff-panel');
const merges = document.getElementById('merges');
const agentStats = document.getElementById('agent-stats');
const columns = new Map();
const terminal = new Set(['task.completed', 'task.failed', 'task.cancelled']);
const finishedStatuses = new Set(['completed', 'failed', 'cancelled']);
let task;
let drawnActions;
let lastSeq = 0;
let progress;
let refreshTimer;
// Whether the last event so far ended the task's run (a follow-up starts it again).
let ended = false;
const HISTORY_PAGE = 1000;
const eventTypes = ['task.queued', 'task.started', 'agent.started', 'attempt.setup', 'agent.progress', 'agent.completed', 'agent.failed', 'verify.completed', 'attempt.round', 'attempt.follow_up', 'attempt.cancelled', 'tier.started', 'tier.failed', 'tier.skipped', 'task.completed', 'task.failed', 'task.cancelled', 'merge.completed', 'pull_request.opened'];

const attemptActions = {
  showDiff: (label) => void showDiff(label),
  async checkConflicts(label) {
    try {
      const check = await api('GET', `/tasks/${taskId}/conflicts?agent=${encodeURIComponent(label)}`);
      if (check.alreadyMerged) showOutcome(outcome, true, el('p', {}, `${label} is already merged into ${check.targetBranch}.`));
      else if (check.clean) showOutcome(outcome, true, el('p', {}, `${label} merges cleanly into ${check.targetBranch}.`));
      else showOutcome(outcome, false, el('p', {}, `${label} conflicts with ${check.targetBranch} in:`), el('ul', {}, check.conflicts.map((c) => el('li', {}, el('code', {}, c.path), ` (${c.kind})`))));
    } catch (error) {
      showOutcome(outcome, false, ...describeError(error));
    }
  },
};

async function load() {
  task = await api('GET', `/tasks/${taskId}`);
  document.title = `${task.description.split('\n')[0].slice(0, 60)} · Kage Bunshin`;
  drawHead();
  for (const run of task.agents) {
    let column = columns.get(run.label);
    if (!column) {
      column = new AttemptColumn(run, attemptActions);
      columns.set(run.label, column);
      attempts.append(column.root);
    }
    column.update(run, task);
  }
  const { items: mergeItems } = await api('GET', `/tasks/${taskId}/merges`);
  const merged = mergeItems.filter((merge) => merge.status === 'merged');
  // Redrawn only when they would change: a refresh must not reset a choice being made in the form.
  const actionsKey = `${task.status}|${task.pullRequest?.url ?? ''}|${merged.length}`;
  if (actionsKey !== drawnActions) drawActions(actions, outcome, task, refresh, merged);
  drawnActions = actionsKey;
  drawMerges(mergeItems);
}

function drawHead() {
  const [title, ...rest] = task.description.split('\n');
  const repository = task.repository.url ?? task.repository.path;
  fill(head,
    el('h1', {}, title),
    rest.join('\n').trim() ? el('details', {}, el('summary', {}, 'Full description'), el('pre', {}, task.description)) : undefined,
    el('p', { class: 'meta' },
      statusBadge(task.status), ' ',
      el('span', {}, `${repository} @ ${task.repository.baseRef} (${task.repository.baseCommit.slice(0, 8)})`), ' · ',
      el('span', {}, `winner: ${task.winner ?? '—'}`), ' · ',
      el('span', {}, `cost ${format.cost(task.totalCostUsd)}`), ' · ',
      el('span', {}, `duration ${format.duration(taskDuration(task))}`), ' · ',
      el('span', { title: task.createdAt }, `created ${format.age(task.createdAt)}`)),
    strategyLine(task),
    task.judgement ? el('p', { class: 'muted' }, `Judge ${task.judgement.agent}: ${task.judgement.order.length > 0 ? task.judgement.order.join(' > ') : `no verdict${task.judgement.error ? ` (${task.judgement.error})` : ''}`}`) : undefined,
    untestedWarning(task),
    task.error ? el('p', { class: 'problem' }, task.error) : undefined,
  );
}

/** How a race or a cascade went, in one line (nothing for strategy all). */
function strategyLine(task) {
  const { race, cascade } = task.strategyResult ?? {};
  if (race) {
    const stopped = race.cancelled?.length ? `; stopped ${race.cancelled.map((run) => run.label).join(', ')}, which had spent ${format.cost(race.cancelledCostUsd ?? 0)}` : '';
    return el('p', { class: 'muted strategy' }, `Race: ${race.winner} passed verify first, after ${format.duration(race.verifiedAfterMs)}${stopped}`);
  }
  if (cascade) {
    const tiers = cascade.tiers.map((tier) => `tier ${tier.tier} (${tier.agents.join(', ')}) ${tier.outcome.replace('_', ' ')}`);
    return el('p', { class: 'muted strategy' }, `Cascade: ${tiers.join(' → ')}`);
  }
  return undefined;
}

// A winner that did not pass the task's verify command must not pass for tested work.
function untestedWarning(task) {
  if (!task.verify || !task.winner || task.winnerPassedVerify !== false) return undefined;
  const passed = task.agents.filter((run) => run.verify?.passed).map((run) => run.label);
  return el('p', { class: 'notice problem untested', role: 'alert' },
    el('strong', {}, passed.length === 0 ? 'No attempt passed verify. ' : `The winner did not pass verify (${passed.join(', ')} did). `),
    `The winner ${task.winner} is untested: `, el('code', {}, task.verify.command.join(' ')),
    ' failed on it. Merging it or opening a pull request needs "Allow unverified" ticked.');
}

function drawMerges(items) {
  if (items.length === 0) return fill(merges, el('p', { class: 'empty' }, 'No merges yet.'));
  fill(merges, el('ol', { class: 'merge-history' }, items.map((merge) =>
    el('li', { 'data-status': merge.status },
      `${new Date(merge.createdAt).toLocaleString()}: ${merge.agent} → ${merge.targetBranch}, ${merge.strategy}, ${merge.status}`,
      merge.commit ? el('code', {}, ` ${merge.commit.slice(0, 8)}`) : undefined,
      merge.reviewBranch ? [' on ', el('code', {}, merge.reviewBranch)] : undefined,
      merge.conflicts.length ? ` (${merge.conflicts.length} conflicts)` : undefined))));
}

async function showDiff(label) {
  diffPanel.hidden = false;
  fill(diffPanel, el('h2', {}, `Diff of ${label}`), el('p', { class: 'muted' }, 'Loading…'));
  let diff;
  try {
    diff = await api('GET', `/tasks/${taskId}/diff?agent=${encodeURIComponent(label)}`);
  } catch (error) {
    fill(diffPanel, el('h2', {}, `Diff of ${label}`), ...describeError(error));
    return;
  }
  const target = el('div', { class: 'diff', 'data-agent': label });
  const layout = /** @type {HTMLSelectElement} */ (el('select', { 'aria-label': 'Diff layout' }, el('option', { value: 'line-by-line' }, 'Unified'), el('option', { value: 'side-by-side' }, 'Side by side')));
  const draw = () => {
    // diff2html escapes every file name and line it draws; highlight.js works on that text.
    // diff2html's bundle (a classic script the page loads first) sets this global.
    const ui = new /** @type {any} */ (window).Diff2HtmlUI(target, diff.patch, {
      outputFormat: layout.value,
      drawFileList: true,
      fileListToggle: true,
      fileContentToggle: true,
      matching: 'lines',
      highlight: true,
      colorScheme: 'auto',
      synchronisedScroll: true,
    });
    ui.draw();
    ui.highlightCode();
  };
  layout.addEventListener('change', draw);
  fill(diffPanel,
    el('div', { class: 'heading' }, el('h2', {}, `Diff of ${label}`), el('label', {}, 'Layout ', layout),
      el('button', { type: 'button', class: 'quiet', on: { click: () => (diffPanel.hidden = true) } }, 'Close')),
    el('p', { class: 'muted' }, `${diff.stats.files.length} files, +${diff.stats.insertions} −${diff.stats.deletions}, ${diff.baseCommit.slice(0, 8)}..${diff.headCommit.slice(0, 8)}`),
    diff.truncated ? el('p', { class: 'problem' }, `The diff is cut short; cut files: ${diff.truncatedFiles.join(', ') || 'the rest'}.`) : undefined,
    diff.patch ? target : el('p', { class: 'empty' }, 'No changes.'),
  );
  if (diff.patch) draw();
  diffPanel.scrollIntoView({ block: 'start' });
}

async function refresh() {
  try {
    await load();
    // A follow-up runs a finished task again: follow its new events.
    if (!progress && ended && !finishedStatuses.has(task.status)) followProgress();
  } catch (error) {
    showOutcome(outcome, false, ...describeError(error));
  }
}

/** Reloads the task at most twice a second however many events arrive. */
function refreshSoon() {
  refreshTimer ??= setTimeout(() => {
    refreshTimer = undefined;
    void refresh();
  }, 500);
}

/** Puts an event's line in its attempt's log; true when it ends the task's run. */
function show(event) {
  lastSeq = Math.max(lastSeq, event.seq);
  const line = logLine(event);
  // A cascade's tier events belong to the attempts of the tier they name.
  const labels = event.agentLabel ? [event.agentLabel] : (event.data?.agents ?? event.data?.attempts ?? []);
  if (line !== undefined) for (const label of labels) columns.get(label)?.append(line);
  if (event.type === 'attempt.follow_up') ended = false;
  if (terminal.has(event.type)) ended = true;
  return terminal.has(event.type);
}

/** What happened so far, read in pages of 1,000 (much faster than one SSE message per event). */
async function replayHistory() {
  for (;;) {
    const { items } = await api('GET', `/tasks/${taskId}/events?after=${lastSeq}&limit=${HISTORY_PAGE}`);
    for (const event of items) show(event);
    if (items.length < HISTORY_PAGE) return;
  }
}

function logsComplete() {
  document.body.dataset.logs = 'complete';
}

/** What happens from now on, live. */
function followProgress() {
  progress = new EventSource(`/api/v1/tasks/${taskId}/progress?after=${lastSeq}`);
  const onEvent = (message) => {
    const event = JSON.parse(message.data);
    if (event.seq <= lastSeq) return;
    const ends = show(event);
    if (event.type !== 'agent.progress') refreshSoon();
    if (ends) {
      // The stream ends here; closing stops EventSource from reconnecting to a finished task.
      progress.close();
      progress = undefined;
      logsComplete();
      drawStats();
    }
  };
  for (const type of eventTypes) progress.addEventListener(type, onEvent);
}

/** How the agents did on this repository: read when the page opens and again when the task ends. */
function drawStats() {
  void drawAgentStats(agentStats, task.repository.url ?? task.repository.path);
}

// Merges, pull requests and follow-ups arrive after the progress stream ended: the change feed tells.
function watchChanges() {
  const changes = new EventSource('/api/v1/task-changes');
  changes.addEventListener('changed', (message) => {
    if (!JSON.parse(message.data).taskIds.includes(taskId)) return;
    refreshSoon();
  });
  changes.addEventListener('resync', refreshSoon);
}

try {
  await load();
  await replayHistory();
  if (ended) logsComplete();
  else followProgress();
  drawStats();
  watchChanges();
} catch (error) {
  fill(head, el('h1', {}, 'This task could not be shown'), ...describeError(error));
}
