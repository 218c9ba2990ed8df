import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { finishedTaskStatuses } from '../../service/src/model/statuses.ts';

const assets = join(import.meta.dirname, '../../service/src/web/assets');

/** The status names in `new Set([...])` on the line of the script that defines `name`. */
function setLiteral(file: string, name: string): string[] {
  const line = readFileSync(join(assets, file), 'utf8').split('\n').find((text) => text.includes(`const ${name} = new Set([`));
  expect(line, `${file} defines ${name}`).toBeDefined();
  return [...line!.matchAll(/'([a-z_]+)'/g)].map((match) => match[1]!);
}

describe("the review pages' scripts restate the service's statuses", () => {
  it('as finished, exactly the finished task statuses', () => {
    expect(setLiteral('task-actions.js', 'finished').sort()).toEqual([...finishedTaskStatuses].sort());
    expect(setLiteral('task-page.js', 'finishedStatuses').sort()).toEqual([...finishedTaskStatuses].sort());
  });
});
