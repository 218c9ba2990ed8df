/**
 * Received spans as a tree (parent links), and as text: the picture of a trace the README shows.
 */
import type { ReceivedSpan } from './otlp-receiver.ts';

export interface SpanNode {
  span: ReceivedSpan;
  children: SpanNode[];
}

/** The trees of `spans` (one trace): roots are spans whose parent was not received. */
export function spanTrees(spans: readonly ReceivedSpan[]): SpanNode[] {
  const nodes = new Map(spans.map((span) => [span.spanId, { span, children: [] as SpanNode[] }]));
  const roots: SpanNode[] = [];
  for (const node of nodes.values()) {
    const parent = nodes.get(node.span.parentSpanId);
    (parent ? parent.children : roots).push(node);
  }
  const byStart = (a: SpanNode, b: SpanNode) => (a.span.startNs < b.span.startNs ? -1 : a.span.startNs > b.span.startNs ? 1 : 0);
  for (const node of nodes.values()) node.children.sort(byStart);
  return roots.sort(byStart);
}

/** The span's ancestors, nearest first, as far as they were received. */
export function ancestorsOf(span: ReceivedSpan, spans: readonly ReceivedSpan[]): ReceivedSpan[] {
  const byId = new Map(spans.map((candidate) => [candidate.spanId, candidate]));
  const found: ReceivedSpan[] = [];
  for (let parent = byId.get(span.parentSpanId); parent && !found.includes(parent); parent = byId.get(parent.parentSpanId)) found.push(parent);
  return found;
}

// What each line says besides the name: the instance that sent it and the attributes a reader looks for.
function label(span: ReceivedSpan): string {
  const a = span.attributes;
  const details = [
    a['kage.attempt'] && span.name !== 'verify' && !String(span.name).startsWith('invoke_agent') && !String(span.name).startsWith('setup') ? String(a['kage.attempt']) : '',
    a['http.response.status_code'] !== undefined ? String(a['http.response.status_code']) : '',
    a['gen_ai.request.model'] ? `model ${String(a['gen_ai.request.model'])}` : '',
    a['process.exit.code'] !== undefined ? `exit ${String(a['process.exit.code'])}` : '',
    a['kage.verify.passed'] !== undefined ? (a['kage.verify.passed'] ? 'passed' : 'failed') : '',
    a['kage.merge.status'] ? String(a['kage.merge.status']) : '',
    span.links.length > 0 ? `(linked to ${span.links.length} span${span.links.length > 1 ? 's' : ''})` : '',
    span.status.code === 'STATUS_CODE_ERROR' ? `ERROR ${span.status.message}` : '',
  ].filter(Boolean);
  return [span.name, ...details].join(' ');
}

/** A text tree of `roots`: each line the span, what it says, the instance it ran on and how long it took. */
export function drawSpanTree(roots: readonly SpanNode[], options: { skip?: (span: ReceivedSpan) => boolean } = {}): string {
  const lines: Array<{ text: string; where: string; ms: string }> = [];
  const walk = (node: SpanNode, prefix: string, last: boolean, root: boolean) => {
    const where = String(node.span.resource['service.instance.id'] ?? '');
    const ms = `${(Number(node.span.endNs - node.span.startNs) / 1e6).toFixed(0)} ms`;
    lines.push({ text: `${prefix}${root ? '' : last ? '└─ ' : '├─ '}${label(node.span)}`, where, ms });
    const children = node.children.filter((child) => !options.skip?.(child.span));
    children.forEach((child, index) => walk(child, root ? '' : `${prefix}${last ? '   ' : '│  '}`, index === children.length - 1, false));
  };
  for (const root of roots) walk(root, '', true, true);
  const width = Math.max(...lines.map((line) => line.text.length)) + 2;
  const whereWidth = Math.max(...lines.map((line) => line.where.length)) + 2;
  return lines.map((line) => `${line.text.padEnd(width)}${line.where.padEnd(whereWidth)}${line.ms.padStart(8)}`.trimEnd()).join('\n');
}
