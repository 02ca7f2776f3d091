/** The perfcnt ioctls' audit rows (docs/uapi.md): one test per row. */
import { rowTest } from './env.js';
import { PERFCNT_ROWS } from './rows-perfcnt.js';

for (const row of PERFCNT_ROWS) rowTest(row);
