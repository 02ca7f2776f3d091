/**
 * The design registry: `--design <name>` picks one.
 */
import type { DesignName } from '../../config.js';
import type { PanthorDevice } from '../../device.js';
import type { ResetDesign } from '../design.js';
import { DefaultDesign } from './default.js';
import { PanthorDesign } from './panthor.js';
import { RebindDesign } from './rebind.js';
import { RwsemDesign } from './rwsem.js';
import { SrcuEpochDesign } from './srcu-epoch.js';

export function createDesign(name: DesignName, dev: PanthorDevice): ResetDesign {
  switch (name) {
    case 'default':
      return new DefaultDesign(dev);
    case 'panthor':
      return new PanthorDesign(dev);
    case 'rwsem':
      return new RwsemDesign(dev);
    case 'srcu-epoch':
      return new SrcuEpochDesign(dev);
    case 'rebind':
      return new RebindDesign(dev);
  }
}
