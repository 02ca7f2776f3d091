#!/usr/bin/env node
// The `resetlab` binary. It runs the compiled CLI when `npm run build` has produced dist/, and
// otherwise the TypeScript sources through tsx (installed by `npm ci` in a checkout), so that
// `npx resetlab <command>` works right after the README's set-up command.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = new URL('../dist/cli/main.js', import.meta.url);
const src = new URL('../src/cli/main.ts', import.meta.url);

if (existsSync(fileURLToPath(dist))) {
  await import(dist.href);
} else if (existsSync(fileURLToPath(src))) {
  let tsx;
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    console.error(
      'resetlab: dist/ is missing and tsx is not installed; run `npm ci` (or `npm run build`).',
    );
    process.exit(2);
  }
  tsx.register();
  await import(src.href);
} else {
  console.error('resetlab: neither dist/ nor src/ is present; reinstall the package.');
  process.exit(2);
}
