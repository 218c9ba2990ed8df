/**
 * The pull request's description in Markdown: what the task asked, every attempt side by side
 * (agent, model, status, verify, cost, tokens, duration, diff size, rank and why), the chosen
 * attempt's final message, and where to find the task.
 */
import type { AttemptRecord } from '../model/attempt.ts';
import type { TaskRecord } from '../model/task.ts';

const MAX_FINAL_MESSAGE = 20_000;

export function pullRequestTitle(task: TaskRecord, requested: string | undefined): string {
  if (requested) return requested;
  const line = task.description.trim().split('\n')[0] ?? '';
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

export function pullRequestBody(task: TaskRecord, runs: readonly AttemptRecord[], chosen: AttemptRecord, reviewLink: string): string {
  const ranked = [...runs].sort((a, b) => rankOf(a) - rankOf(b));
  const rows = ranked.map((run) =>
    [
      run.label === chosen.label ? `**${run.label}**` : run.label,
      run.agent,
      run.model ?? '',
      run.status,
      verifyCell(run),
      run.costUsd === null ? '' : `$${run.costUsd.toFixed(4)}`,
      run.inputTokens === null && run.outputTokens === null ? '' : `${run.inputTokens ?? 0} / ${run.outputTokens ?? 0}`,
      duration(run),
      run.insertions === null ? '' : `+${run.insertions} −${run.deletions ?? 0} (${run.filesChanged.length} ${run.filesChanged.length === 1 ? 'file' : 'files'})`,
      rankCell(run),
    ]
      .map(cell)
      .join(' | '),
  );
  const finalMessage = (chosen.finalMessage ?? '').trim();
  return [
    task.description.trim(),
    '',
    `### Attempts`,
    '',
    '| attempt | agent | model | status | verify | cost | tokens in / out | duration | diff | rank |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((row) => `| ${row} |`),
    '',
    ...(finalMessage
      ? [`### What ${chosen.label} said at the end`, '', quote(finalMessage.length > MAX_FINAL_MESSAGE ? `${finalMessage.slice(0, MAX_FINAL_MESSAGE)}…` : finalMessage), '']
      : []),
    `---`,
    `Opened by Kage Bunshin from task \`${task.id}\` ([review every attempt](${reviewLink})), attempt \`${chosen.label}\` on branch \`${chosen.branch}\`.`,
  ].join('\n');
}

function rankOf(run: AttemptRecord): number {
  return (run.score as { rank?: number } | null)?.rank ?? Number.MAX_SAFE_INTEGER;
}

function rankCell(run: AttemptRecord): string {
  const score = run.score as { rank?: number; reasons?: string[] } | null;
  if (!score?.rank) return '';
  return `${score.rank}${score.reasons?.length ? `: ${score.reasons.join(', ')}` : ''}`;
}

function verifyCell(run: AttemptRecord): string {
  const verify = run.verify as { passed?: boolean } | null;
  if (typeof verify?.passed !== 'boolean') return '';
  return verify.passed ? 'passed' : 'failed';
}

function duration(run: AttemptRecord): string {
  if (!run.startedAt || !run.completedAt) return '';
  const seconds = Math.round((run.completedAt.getTime() - run.startedAt.getTime()) / 1000);
  return seconds >= 60 ? `${Math.floor(seconds / 60)} min ${seconds % 60} s` : `${seconds} s`;
}

/** A table cell: no line breaks, pipes escaped. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

function quote(text: string): string {
  return text
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
}
