/** Panthor's ioctls' audit rows (docs/uapi.md): one test per row. */
import { rowTest } from './env.js';
import { PANTHOR_ROWS } from './rows-panthor.js';

for (const row of PANTHOR_ROWS) rowTest(row);
