/**
 * What `kage watch` shows of a task's events: one row per attempt (status, cost, last line),
 * redrawn in place at a terminal; one plain line per event otherwise (pipes, logs, CI).
 */

export interface WatchEvent {
  type: string;
  agentLabel: string | null;
  data: Record<string, unknown>;
}

interface AttemptLine {
  status: string;
  verify: string;
  costUsd: number | null;
  last: string;
}

export class WatchState {
  readonly attempts = new Map<string, AttemptLine>();
  headline = 'queued';

  apply(event: WatchEvent): void {
    const data = event.data;
    if (event.type === 'task.queued' || event.type === 'task.started') {
      for (const label of (data.agents as string[] | undefined) ?? []) this.row(label);
      this.headline = event.type === 'task.started' ? 'running' : 'queued';
    }
    if (event.type === 'task.completed') this.headline = `completed: winner ${String(data.winner ?? 'none')}${data.winnerPassedVerify === false ? ' (did not pass verify)' : ''}`;
    if (event.type === 'task.failed') this.headline = `failed: ${String(data.error ?? '')}`;
    if (event.type === 'task.cancelled') this.headline = 'cancelled';
    if (!event.agentLabel) return;
    const row = this.row(event.agentLabel);
    if (event.type === 'agent.started') row.status = 'running';
    if (event.type === 'agent.progress') {
      if (typeof data.message === 'string' && data.message.trim() !== '') row.last = data.message.trim().split('\n').at(-1)!;
      if (typeof data.costUsd === 'number') row.costUsd = data.costUsd;
    }
    if (event.type === 'agent.completed' || event.type === 'agent.failed') {
      row.status = typeof data.status === 'string' ? data.status : event.type === 'agent.failed' ? 'failed' : 'succeeded';
      if (typeof data.costUsd === 'number') row.costUsd = data.costUsd;
      if (typeof data.error === 'string') row.last = data.error;
    }
    if (event.type === 'verify.completed') row.verify = data.passed === true ? 'passed' : data.passed === false ? 'failed' : row.verify;
    if (event.type === 'attempt.cancelled') row.status = 'cancelled';
  }

  private row(label: string): AttemptLine {
    let row = this.attempts.get(label);
    if (!row) {
      row = { status: 'pending', verify: '-', costUsd: null, last: '' };
      this.attempts.set(label, row);
    }
    return row;
  }
}

/** The screen at a terminal `width` columns wide: a headline, then a row per attempt. */
export function renderTable(taskId: string, state: WatchState, width: number): string[] {
  const labelWidth = Math.max(7, ...[...state.attempts.keys()].map((label) => label.length));
  const head = `${'attempt'.padEnd(labelWidth)}  ${'status'.padEnd(10)}  ${'verify'.padEnd(6)}  ${'cost'.padStart(7)}  last line`;
  const rows = [...state.attempts].map(([label, row]) => {
    const cost = row.costUsd === null ? '-' : `$${row.costUsd.toFixed(2)}`;
    return `${label.padEnd(labelWidth)}  ${row.status.padEnd(10)}  ${row.verify.padEnd(6)}  ${cost.padStart(7)}  ${row.last}`;
  });
  return [`task ${taskId}: ${state.headline}`, head, ...rows].map((line) => clip(line, width));
}

/** One line for a log: "command-1 agent.completed succeeded". */
export function plainLine(event: WatchEvent): string {
  const data = event.data;
  const detail = [data.status, data.message, data.passed === true ? 'passed' : data.passed === false ? 'failed' : undefined, data.winner ? `winner ${String(data.winner)}` : undefined, data.error]
    .filter((part): part is string => typeof part === 'string' && part !== '')
    .map((part) => part.replace(/\s+/g, ' ').trim())
    .join(' ');
  return [event.agentLabel, event.type, detail].filter(Boolean).join(' ');
}

function clip(line: string, width: number): string {
  return line.length <= width ? line : `${line.slice(0, Math.max(0, width - 1))}…`;
}
