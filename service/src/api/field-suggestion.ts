import { MergeBody } from './schemas/merge-schemas.ts';
import { SubmitTaskBody } from './schemas/task-schemas.ts';
import { CreateSubscriptionBody } from './schemas/webhook-schemas.ts';

let fieldNames: string[] | undefined;

/** Every field name of the request bodies, nested ones included: what a misspelt name may have meant. */
export function requestFieldNames(): string[] {
  fieldNames ??= [...new Set([SubmitTaskBody, MergeBody, CreateSubscriptionBody].flatMap((schema) => keysOf(schema)))];
  return fieldNames;
}

function keysOf(schema: unknown): string[] {
  const def = (schema as { def?: { type?: string; shape?: Record<string, unknown>; element?: unknown; innerType?: unknown } } | undefined)?.def;
  if (!def) return [];
  if (def.type === 'object' && def.shape) return Object.entries(def.shape).flatMap(([key, value]) => [key, ...keysOf(value)]);
  if (def.type === 'array') return keysOf(def.element);
  return def.innerType ? keysOf(def.innerType) : [];
}

/**
 * "Did you mean …?" for a misspelt field: the known name closest to the unknown one, when it is
 * close enough to be a likely typo (`budget` → `budgetUsd`, `callback` → `callbacks`).
 */
export function closestField(unknown: string, known: readonly string[]): string | undefined {
  const lower = unknown.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const candidate = name.toLowerCase();
    // A prefix counts as close (`budget` → `budgetUsd`), but not a letter or two: `a` is no typo of `agents`.
    const prefix = Math.min(lower.length, candidate.length) >= 3 && (candidate.startsWith(lower) || lower.startsWith(candidate));
    const distance = prefix ? 1 : editDistance(lower, candidate);
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(unknown.length / 3)) ? best.name : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
