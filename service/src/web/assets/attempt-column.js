// One attempt's column on the task page: what it is, how it did, and its live log.
import { el, fill, format, statusBadge } from './page-kit.js';

// Lines kept per log: a runaway agent must not take the reader's tab down with it.
const MAX_LOG_LINES = 20_000;

/** The log line an event adds to its attempt's column, or undefined for none. */
export function logLine(event) {
  const data = event.data ?? {};
  switch (event.type) {
    case 'agent.started':
      return `started ${data.agent}${data.model ? ` (${data.model})` : ''}`;
    case 'attempt.setup':
      return `setup ${data.passed ? 'done' : 'failed'}${data.copied?.length ? `, copied ${data.copied.join(', ')}` : ''}`;
    case 'agent.progress':
      return data.message === undefined ? undefined : `${data.kind && !['message', 'text'].includes(data.kind) ? `[${data.kind}] ` : ''}${data.message}`;
    case 'verify.completed':
      return `verify ${data.passed ? 'passed' : 'failed'}${data.exitCode === null || data.exitCode === undefined ? '' : ` (exit ${data.exitCode})`}${data.round ? ` in round ${data.round}` : ''}`;
    case 'attempt.round':
      return `round ${data.round} did not pass verify: going round ${data.next} with the failure`;
    case 'attempt.follow_up':
      return `follow-up: ${data.prompt}`;
    case 'agent.completed':
      return `finished: ${data.status ?? 'completed'}${typeof data.costUsd === 'number' ? `, ${format.cost(data.costUsd)}` : ''}`;
    case 'agent.failed':
      return `failed: ${data.error ?? data.status ?? ''}`;
    case 'attempt.cancelled':
      return `cancelled: ${data.winner} passed verify first and won the race`;
    case 'tier.started':
      return `tier ${data.tier} started${data.after ? `, told how ${data.after} failed` : ''}`;
    case 'tier.failed':
      return `tier ${data.tier}: no attempt passed verify${data.next ? `; tier ${data.next} starts` : ''}`;
    case 'tier.skipped':
      return `tier ${data.tier} skipped: the budget is spent (${format.cost(data.spentUsd)} of ${format.cost(data.budgetUsd)})`;
    default:
      return undefined;
  }
}

export class AttemptColumn {
  constructor(run, actions) {
    this.label = run.label;
    this.pending = [];
    this.lineCount = 0;
    this.following = true;
    this.summary = el('div', { class: 'summary' });
    this.log = el('div', { class: 'log', role: 'log', 'aria-label': `Log of ${run.label}`, tabindex: '0' });
    this.follow = el('button', { type: 'button', class: 'quiet follow', hidden: true, on: { click: () => this.scrollToEnd() } }, 'Follow the log ↓');
    this.log.addEventListener('scroll', () => {
      // The reader scrolled up: stop following until they come back to the end.
      this.following = this.log.scrollTop + this.log.clientHeight >= this.log.scrollHeight - 24;
      this.follow.hidden = this.following;
    });
    this.root = el(
      'article',
      { class: 'attempt', 'data-label': run.label, 'aria-label': `Attempt ${run.label}` },
      this.summary,
      el('div', { class: 'buttons' },
        el('button', { type: 'button', class: 'secondary', on: { click: () => actions.showDiff(this.label) } }, 'Diff'),
        el('button', { type: 'button', class: 'secondary', on: { click: () => actions.checkConflicts(this.label) } }, 'Check conflicts'),
      ),
      el('h3', {}, 'Log'),
      this.log,
      this.follow,
    );
    this.update(run, undefined);
  }

  update(run, task) {
    const rank = run.score?.rank;
    const winner = task?.winner === run.label;
    const verify = run.verify;
    this.root.dataset.status = run.status;
    fill(this.summary,
      el('h2', {}, run.label, winner ? winnerBadge(task) : undefined),
      el('p', { class: 'muted' }, `${run.agent}${run.model ? ` · ${run.model}` : ''}`),
      el('p', {}, statusBadge(run.status), rank ? el('span', { class: 'rank' }, ` rank ${rank}`) : undefined),
      el('dl', { class: 'facts' },
        fact('Cost', format.cost(run.costUsd)),
        fact('Tokens', `${format.tokens(run.inputTokens)} in / ${format.tokens(run.outputTokens)} out`),
        fact('Duration', format.duration(run.durationMs)),
        fact('Files', `${run.filesChanged.length}${run.insertions === null ? '' : ` (+${run.insertions} −${run.deletions})`}`),
      ),
      run.filesChanged.length > 0 ? el('details', {}, el('summary', {}, 'Files changed'), el('ul', { class: 'files' }, run.filesChanged.map((file) => el('li', {}, el('code', {}, file))))) : undefined,
      verify
        ? el('details', { class: `verify ${verify.passed ? 'passed' : 'failed'}` },
            el('summary', {}, `Verify ${verify.passed ? 'passed' : verify.timedOut ? 'timed out' : 'failed'}${verify.exitCode === null ? '' : ` (exit ${verify.exitCode})`}`),
            el('pre', {}, verify.outputTail || '(no output)'))
        : undefined,
      run.score?.reasons?.length ? el('ul', { class: 'reasons', 'aria-label': 'Ranking reasons' }, run.score.reasons.map((reason) => el('li', {}, reason))) : undefined,
      run.stopReason ? el('p', { class: 'problem' }, `Stopped: ${run.stopReason}`) : undefined,
      run.error ? el('p', { class: 'problem' }, run.error) : undefined,
      run.finalMessage ? el('details', {}, el('summary', {}, 'Final message'), el('pre', {}, run.finalMessage)) : undefined,
    );
  }

  /** Queues a line; lines are written together once per frame (thousands arrive at once on a replay). */
  append(line) {
    this.pending.push(line);
    if (this.pending.length === 1) requestAnimationFrame(() => this.flush());
  }

  flush() {
    const lines = this.pending;
    this.pending = [];
    const batch = document.createDocumentFragment();
    for (const line of lines) batch.append(el('div', {}, line));
    this.log.append(batch);
    this.lineCount += lines.length;
    while (this.lineCount > MAX_LOG_LINES) {
      this.log.firstChild?.remove();
      this.lineCount -= 1;
    }
    if (this.following) this.log.scrollTop = this.log.scrollHeight;
  }

  scrollToEnd() {
    this.following = true;
    this.follow.hidden = true;
    this.log.scrollTop = this.log.scrollHeight;
  }
}

function fact(name, value) {
  return [el('dt', {}, name), el('dd', {}, value)];
}

// A green badge alone would read as "tested": an untested winner says so in the badge itself.
function winnerBadge(task) {
  if (task.verify && task.winnerPassedVerify === false) return el('span', { class: 'badge winner untested', title: 'did not pass verify' }, 'winner · untested');
  return el('span', { class: 'badge winner' }, 'winner');
}
