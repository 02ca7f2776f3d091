/**
 * Headless Chromium as the report's browser test and its screenshot script use it: Debian's
 * `chromium` (or `$RESETLAB_CHROMIUM`) driven by playwright-core, a fresh profile, and the
 * flags that keep it off the network and free of first-run work.
 */
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
