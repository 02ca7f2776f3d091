/**
 * The rule invariants a design claims (docs/design.md §2): a rule is a design's own promise about
 * how it keeps code off the hardware, so it is checked only against designs whose factors make
 * that promise. Which factors do:
 *
 * - `submit-after-fault` (no job handed to the hardware between a request and the end of the
 *   reset that serves it): a gate that closes at request time (`gate=request`). The other gates
 *   close when the reset worker runs, and do not claim it.
 * - `hw-access-during-reset` (nothing outside the reset path touches the GPU while the reset
 *   sequence runs): any gate that drains the sections in flight before the sequence
 *   (`gate` other than `none`, `drain=wait`).
 * - `wedge-protocol` (the wedged event sent once, after quiescing; ioctls refused; mappings on
 *   the dummy page): the designs that wedge (`failure=wedge` or `resumefail=wedge`).
 */
import type { InvariantId } from '../../kernel/violations.js';
import type { Factors } from './factors.js';

export function ruleClaims(f: Factors): InvariantId[] {
  const out: InvariantId[] = [];
  if (f.gate === 'request') out.push('submit-after-fault');
  if (f.gate !== 'none' && f.drain === 'wait') out.push('hw-access-during-reset');
  if (f.failure === 'wedge' || f.resumefail === 'wedge') out.push('wedge-protocol');
  return out;
}
