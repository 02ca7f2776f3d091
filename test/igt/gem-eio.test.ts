/** IGT gem_eio's in-flight, wait and banned subtests, on Panthor (cases-gem-eio.ts). */
import { GEM_EIO } from './cases-gem-eio.js';
import { igtTest } from './env.js';

for (const c of GEM_EIO) igtTest(c);
