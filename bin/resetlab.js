#!/usr/bin/env node
// The installed entry point runs the compiled CLI (`npm run build` produces dist/).
import('../dist/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    console.error(
      'resetlab: dist/ is missing; run `npm run build` first (or use `npx tsx src/cli/main.ts`).',
    );
    process.exit(2);
  }
  throw err;
});
