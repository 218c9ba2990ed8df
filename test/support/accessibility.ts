/**
 * axe-core (a devDependency) run in a page: the accessibility problems it finds, each as
 * "rule: the offending elements". Evaluated through the DevTools protocol, since the review
 * pages' CSP (script-src 'self') refuses an inline script tag.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export async function accessibilityProblems(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  // A string: the tests are compiled without the DOM's types.
  return (await page.evaluate(
    "axe.run(document).then((result) => result.violations.map((v) => `${v.id}: ${v.nodes.map((node) => node.html).join(' | ')}`))",
  )) as string[];
}
