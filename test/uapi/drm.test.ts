/** The DRM core's audit rows (dispatch, GET_CAP, GEM_CLOSE; docs/uapi.md): one test per row. */
import { rowTest } from './env.js';
import { DRM_ROWS } from './rows-drm.js';

for (const row of DRM_ROWS) rowTest(row);
