/** The syncobj ioctls' audit rows (docs/uapi.md): one test per row. */
import { rowTest } from './env.js';
import { SYNCOBJ_ROWS } from './rows-syncobj.js';

for (const row of SYNCOBJ_ROWS) rowTest(row);
