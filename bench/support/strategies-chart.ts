/**
 * The strategies benchmark's chart, as a hand-written SVG (no chart library): solved rate, cost
 * per solved task and time to the verified result for each strategy, and auto's share of best
 * picks as it learns. Drawn from the run's own figures.
 */
import type { AutoFigures, StrategyFigures } from './strategies-figures.ts';

const colours: Record<string, string> = { all: '#6b7280', race: '#2563eb', cascade: '#16a34a', auto: '#d97706' };
const WIDTH = 960;
const HEIGHT = 600;
const PANEL_W = 440;
const PANEL_H = 230;

const escape = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
const text = (x: number, y: number, content: string, attributes = '') => `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attributes}>${escape(content)}</text>`;

interface Bar {
  label: string;
  value: number;
  /** A second, thin mark on the same bar (p90 beside p50). */
  marker?: number;
  shown: string;
  colour: string;
}

/** Horizontal bars in a panel whose top left corner is (x, y). */
function barPanel(x: number, y: number, title: string, bars: readonly Bar[], target?: { value: number; label: string }): string {
  const max = Math.max(...bars.map((bar) => Math.max(bar.value, bar.marker ?? 0)), target?.value ?? 0) * 1.1 || 1;
  const left = x + 70;
  const span = PANEL_W - 150;
  const rowHeight = (PANEL_H - 40) / bars.length;
  const parts = [text(x, y + 14, title, 'font-weight="bold"')];
  bars.forEach((bar, index) => {
    const top = y + 30 + index * rowHeight;
    const width = (bar.value / max) * span;
    parts.push(text(left - 8, top + rowHeight / 2 + 4, bar.label, 'text-anchor="end"'));
    parts.push(`<rect x="${left}" y="${(top + 6).toFixed(1)}" width="${width.toFixed(1)}" height="${(rowHeight - 12).toFixed(1)}" fill="${bar.colour}"/>`);
    if (bar.marker !== undefined) {
      const markerX = left + (bar.marker / max) * span;
      parts.push(`<line x1="${markerX.toFixed(1)}" x2="${markerX.toFixed(1)}" y1="${(top + 4).toFixed(1)}" y2="${(top + rowHeight - 4).toFixed(1)}" stroke="${bar.colour}" stroke-width="3" stroke-dasharray="3 2"/>`);
    }
    parts.push(text(left + Math.max(width, (bar.marker ?? 0) / max * span) + 6, top + rowHeight / 2 + 4, bar.shown));
  });
  if (target) {
    const targetX = left + (target.value / max) * span;
    parts.push(`<line x1="${targetX.toFixed(1)}" x2="${targetX.toFixed(1)}" y1="${y + 24}" y2="${y + PANEL_H - 8}" stroke="#dc2626" stroke-dasharray="4 3"/>`);
    parts.push(text(targetX, y + PANEL_H + 4, target.label, 'text-anchor="middle" fill="#dc2626"'));
  }
  return parts.join('\n');
}

/** auto's share of best picks per window of 10 tasks on a repository, as columns, with the 80 % target. */
function learningPanel(x: number, y: number, auto: AutoFigures): string {
  const curve = auto.learningCurve;
  const left = x + 40;
  const bottom = y + PANEL_H - 20;
  const height = PANEL_H - 60;
  const columnWidth = (PANEL_W - 60) / Math.max(1, curve.length);
  const parts = [text(x, y + 14, 'auto: share of tasks where pick chose the best agent (dashed: 80 %)', 'font-weight="bold"')];
  for (const tick of [0, 0.5, 1]) {
    const tickY = bottom - tick * height;
    parts.push(`<line x1="${left}" x2="${left + PANEL_W - 60}" y1="${tickY}" y2="${tickY}" stroke="#e5e7eb"/>`, text(left - 6, tickY + 4, `${tick * 100} %`, 'text-anchor="end"'));
  }
  curve.forEach((point, index) => {
    const columnX = left + index * columnWidth + 4;
    const columnH = point.share * height;
    parts.push(`<rect x="${columnX.toFixed(1)}" y="${(bottom - columnH).toFixed(1)}" width="${(columnWidth - 8).toFixed(1)}" height="${columnH.toFixed(1)}" fill="${colours.auto}"/>`);
    parts.push(text(columnX + (columnWidth - 8) / 2, bottom + 14, `${point.fromTask}–${point.fromTask + 9}`, 'text-anchor="middle" font-size="10"'));
  });
  const targetY = bottom - 0.8 * height;
  parts.push(`<line x1="${left}" x2="${left + PANEL_W - 60}" y1="${targetY}" y2="${targetY}" stroke="#dc2626" stroke-dasharray="4 3"/>`);
  parts.push(text(left + (PANEL_W - 60) / 2, bottom + 30, "tasks on the repository (each column: the three repositories' tasks in that range)", 'text-anchor="middle" font-size="10"'));
  return parts.join('\n');
}

export function strategiesChart(figures: readonly StrategyFigures[], autoWhole: StrategyFigures, auto: AutoFigures): string {
  const all = figures.find((entry) => entry.strategy === 'all')!;
  const bars = (pick: (entry: StrategyFigures) => Omit<Bar, 'label' | 'colour'>) => figures.map((entry) => ({ label: entry.strategy, colour: colours[entry.strategy]!, ...pick(entry) }));
  const tasks = figures[0]?.tasks ?? 0;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="Helvetica, Arial, sans-serif" font-size="12" fill="#111827">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    text(20, 24, `Strategies, measured: the same ${tasks} tasks run each way (auto learning over ${autoWhole.tasks}), scripted agents, fixed seed`, 'font-size="14" font-weight="bold"'),
    barPanel(20, 45, 'Solved (an attempt passed verify)', bars((entry) => ({ value: entry.solvedRate * 100, shown: `${(entry.solvedRate * 100).toFixed(1)} %` })), {
      value: all.solvedRate * 95,
      label: "95 % of all's",
    }),
    barPanel(500, 45, 'Cost per solved task (USD)', bars((entry) => ({ value: entry.costPerSolvedUsd, shown: `$${entry.costPerSolvedUsd.toFixed(3)}` })), {
      value: all.costPerSolvedUsd / 2,
      label: "half of all's",
    }),
    barPanel(20, 330, 'Time to the verified result: p50 (bar), p90 (dashed)', bars((entry) => ({ value: entry.timeP50Ms / 1000, marker: entry.timeP90Ms / 1000, shown: `${(entry.timeP50Ms / 1000).toFixed(2)} s / ${(entry.timeP90Ms / 1000).toFixed(2)} s` })), {
      value: (all.timeP50Ms / 1000) * 0.7,
      label: "0.7× all's p50",
    }),
    learningPanel(500, 330, auto),
    '</svg>',
    '',
  ].join('\n');
}
