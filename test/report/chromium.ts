/**
 * Headless Chromium as the report's browser test and its screenshot script use it: Debian's
 * `chromium` (or `$RESETLAB_CHROMIUM`) driven by playwright-core, a fresh profile, and the
 * flags that keep it off the network and free of first-run work.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.RESETLAB_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A persistent context on a fresh profile under `dir`. */
export async function launchChromium(
  dir: string,
  viewport?: { width: number; height: number },
): Promise<BrowserContext> {
  const { chromium } = await import('playwright-core');
  return chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    ...(viewport !== undefined ? { viewport } : {}),
    args: [...CHROMIUM_ARGS],
  });
}

/**
 * Whether a browser test can run: without Chromium it is skipped with a message, unless
 * RESETLAB_REQUIRE_BROWSER=1 (CI), where that is a failure.
 */
export function chromiumOrSkip(t: { skip(message: string): void }): boolean {
  if (existsSync(CHROMIUM)) return true;
  const msg = `Chromium not found at ${CHROMIUM} (set RESETLAB_CHROMIUM); browser test skipped`;
  if (process.env.RESETLAB_REQUIRE_BROWSER === '1')
    assert.fail(`${msg}, but RESETLAB_REQUIRE_BROWSER=1`);
  t.skip(msg);
  return false;
}
