/** IGT syncobj_basic, syncobj_wait and syncobj_timeline, ported (cases-syncobj.ts). */
import { SYNCOBJ_BASIC, SYNCOBJ_TIMELINE, SYNCOBJ_WAIT } from './cases-syncobj.js';
import { igtTest } from './env.js';

for (const c of [...SYNCOBJ_BASIC, ...SYNCOBJ_WAIT, ...SYNCOBJ_TIMELINE]) igtTest(c);
