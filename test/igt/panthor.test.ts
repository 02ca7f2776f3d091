/** IGT panthor_* and panfrost_submit (on Panthor), ported (cases-panthor.ts). */
import { PANFROST_SUBMIT, PANTHOR } from './cases-panthor.js';
import { igtTest } from './env.js';

for (const c of [...PANTHOR, ...PANFROST_SUBMIT]) igtTest(c);
