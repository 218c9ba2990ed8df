/**
 * A real browser for the editor tests: Debian's chromium (`apt-get install chromium`), driven by
 * playwright-core pointed at that binary. Playwright's own browser download does not work here.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const chromiumPath = process.env.KAGE_CHROMIUM ?? '/usr/bin/chromium';

/** Headless chromium with a fresh profile of its own (playwright makes and removes it). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`no chromium at ${chromiumPath}: apt-get install chromium (or set KAGE_CHROMIUM)`);
  }
  // Background networking off: this machine's closed network refuses Chromium's own calls home.
  return await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
