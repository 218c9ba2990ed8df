// How each agent and model did on a task's repository: GET /agents/stats as a table, and a small
// chart of cost per verified result by day (inline SVG). The figures come from the service as the
// signed-in key may see them (a scoped key: its own tasks); nothing is computed again here.
import { api, describeError, el, fill, format } from './page-kit.js';

const SVG = 'http://www.w3.org/2000/svg';
// Okabe–Ito colours, told apart by colour-blind readers too, and each series has its own marker.
const colours = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9'];
const markers = ['circle', 'square', 'diamond', 'triangle'];
const width = 640;
const height = 220;
const pad = { left: 56, right: 16, top: 12, bottom: 28 };

/** Fills `target` with the figures of `repository` (its path or URL, as the task gives it). */
export async function drawAgentStats(target, repository) {
  let stats;
  try {
    stats = await api('GET', `/agents/stats?repository=${encodeURIComponent(repository)}`);
  } catch (error) {
    fill(target, ...describeError(error));
    return;
  }
  if (stats.repositoryFigures.length === 0) {
    fill(target, el('p', { class: 'empty' }, 'No attempt has ended on this repository yet.'));
    return;
  }
  fill(target,
    el('p', { class: 'hint' }, stats.scope === 'own' ? 'From the tasks this key submitted.' : 'From every task on this repository.'),
    figuresTable(stats.repositoryFigures),
    costChart(stats.timeline));
}

const name = (entry) => (entry.model ? `${entry.agent} (${entry.model})` : entry.agent);
const percent = (rate) => `${Math.round(rate * 100)} %`;

function figuresTable(figures) {
  const head = ['Agent', 'Model', 'Attempts', 'Verified pass rate (95 % interval)', 'Median cost', 'Median duration', 'Wins', 'Cost per verified win'];
  return el('table', { class: 'tasks agent-figures' },
    el('caption', {}, 'Attempts per agent and model on this repository'),
    el('thead', {}, el('tr', {}, head.map((label, index) => el('th', { scope: 'col', class: index >= 2 ? 'number' : undefined }, label)))),
    el('tbody', {}, figures.map((entry) => el('tr', { 'data-agent': entry.agent, 'data-model': entry.model ?? '' },
      el('th', { scope: 'row' }, entry.agent),
      el('td', {}, entry.model ?? '—'),
      el('td', { class: 'number' }, String(entry.attempts)),
      el('td', { class: 'number' }, entry.passRate === null
        ? 'not verified'
        : `${percent(entry.passRate)} (${percent(entry.passRateInterval.low)}–${percent(entry.passRateInterval.high)}), ${entry.passed} of ${entry.verified}`),
      el('td', { class: 'number' }, format.cost(entry.medianCostUsd)),
      el('td', { class: 'number' }, format.duration(entry.medianDurationMs)),
      el('td', { class: 'number' }, `${entry.wins} (${entry.verifiedWins} verified)`),
      el('td', { class: 'number' }, entry.costPerVerifiedWinUsd === null ? 'no verified win' : format.cost(entry.costPerVerifiedWinUsd))))));
}

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  node.append(...children);
  return node;
}

function marker(shape, x, y, colour) {
  const at = { fill: colour, stroke: colour };
  if (shape === 'circle') return svg('circle', { cx: x, cy: y, r: 4, ...at });
  if (shape === 'square') return svg('rect', { x: x - 3.5, y: y - 3.5, width: 7, height: 7, ...at });
  if (shape === 'diamond') return svg('path', { d: `M${x} ${y - 5}L${x + 5} ${y}L${x} ${y + 5}L${x - 5} ${y}Z`, ...at });
  return svg('path', { d: `M${x} ${y - 5}L${x + 5} ${y + 4}L${x - 5} ${y + 4}Z`, ...at });
}

/** Cost per verified win by day, one line per agent and model; days without a verified win break the line. */
function costChart(timeline) {
  const series = timeline.filter((entry) => entry.days.some((day) => day.costPerVerifiedWinUsd !== null));
  if (series.length === 0) return el('p', { class: 'empty', id: 'cost-chart-empty' }, 'No verified win yet: no cost per verified result to chart.');
  const days = [...new Set(series.flatMap((entry) => entry.days.map((day) => day.day)))].sort();
  const top = Math.max(...series.flatMap((entry) => entry.days.map((day) => day.costPerVerifiedWinUsd ?? 0))) || 1;
  const x = (day) => pad.left + (days.length === 1 ? (width - pad.left - pad.right) / 2 : (days.indexOf(day) / (days.length - 1)) * (width - pad.left - pad.right));
  const y = (usd) => height - pad.bottom - (usd / top) * (height - pad.top - pad.bottom);
  const text = (content, attributes) => svg('text', { fill: 'currentColor', 'font-size': 11, ...attributes }, content);

  const plot = svg('g', {});
  series.forEach((entry, index) => {
    const colour = colours[index % colours.length];
    let path = '';
    let drawing = false;
    for (const day of entry.days) {
      if (day.costPerVerifiedWinUsd === null) {
        drawing = false;
        continue;
      }
      path += `${drawing ? 'L' : 'M'}${x(day.day).toFixed(1)} ${y(day.costPerVerifiedWinUsd).toFixed(1)}`;
      drawing = true;
      plot.append(marker(markers[index % markers.length], x(day.day), y(day.costPerVerifiedWinUsd), colour));
    }
    plot.prepend(svg('path', { d: path, fill: 'none', stroke: colour, 'stroke-width': 2 }));
  });
  const cheapest = series
    .map((entry) => ({ entry, last: entry.days.filter((day) => day.costPerVerifiedWinUsd !== null).at(-1) }))
    .sort((a, b) => a.last.costPerVerifiedWinUsd - b.last.costPerVerifiedWinUsd)[0];
  const description = `${series.length} agents over ${days.length} days, ${days[0]} to ${days.at(-1)}, from $0 to ${format.cost(top)} per verified win. ` +
    `Cheapest on its last day with a verified win: ${name(cheapest.entry)}, ${format.cost(cheapest.last.costPerVerifiedWinUsd)} on ${cheapest.last.day}. ` +
    'The table below the chart gives every point.';
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': 'cost-chart-title cost-chart-desc', class: 'cost-chart' },
    svg('title', { id: 'cost-chart-title' }, 'Cost per verified result by agent, by day'),
    svg('desc', { id: 'cost-chart-desc' }, description),
    svg('line', { x1: pad.left, x2: width - pad.right, y1: y(0), y2: y(0), stroke: 'currentColor', 'stroke-opacity': 0.5 }),
    svg('line', { x1: pad.left, x2: pad.left, y1: pad.top, y2: y(0), stroke: 'currentColor', 'stroke-opacity': 0.5 }),
    text(format.cost(top), { x: pad.left - 6, y: pad.top + 8, 'text-anchor': 'end' }),
    text('$0', { x: pad.left - 6, y: y(0), 'text-anchor': 'end' }),
    // One day: its label under its points, in the middle; more: the first and last day at the ends.
    text(days[0], days.length === 1 ? { x: x(days[0]), y: height - 8, 'text-anchor': 'middle' } : { x: pad.left, y: height - 8 }),
    days.length > 1 ? text(days.at(-1), { x: width - pad.right, y: height - 8, 'text-anchor': 'end' }) : '',
    plot);
  const legend = el('ul', { class: 'legend' }, series.map((entry, index) =>
    el('li', {}, el('span', { class: 'swatch', style: `background:${colours[index % colours.length]}`, 'aria-hidden': 'true' }), `${name(entry)} (${markers[index % markers.length]})`)));
  return el('figure', { class: 'cost-chart-figure' },
    el('figcaption', {}, 'Cost per verified result over time'),
    chart,
    legend,
    el('details', {}, el('summary', {}, "The chart's figures"), pointsTable(series, days)));
}

/** Every point of the chart as text: a row per day, a column per agent and model. */
function pointsTable(series, days) {
  return el('table', { class: 'tasks cost-points' },
    el('caption', {}, 'Cost per verified win by day'),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Day'), series.map((entry) => el('th', { scope: 'col', class: 'number' }, name(entry))))),
    el('tbody', {}, days.map((day) => el('tr', {},
      el('th', { scope: 'row' }, day),
      series.map((entry) => {
        const point = entry.days.find((candidate) => candidate.day === day);
        const shown = !point ? '—' : point.costPerVerifiedWinUsd === null ? 'no verified win' : format.cost(point.costPerVerifiedWinUsd);
        return el('td', { class: 'number' }, shown);
      })))));
}
