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

/** Each rule with the factor condition under which a design claims it. */
export const RULE_CLAIMS: readonly {
  readonly invariant: InvariantId;
  readonly claimedWhen: string;
  readonly claims: (f: Factors) => boolean;
}[] = [
  {
    invariant: 'hw-access-during-reset',
    claimedWhen: 'gate is not none and drain=wait',
    claims: (f) => f.gate !== 'none' && f.drain === 'wait',
  },
  {
    invariant: 'submit-after-fault',
    claimedWhen: 'gate=request',
    claims: (f) => f.gate === 'request',
  },
  {
    invariant: 'wedge-protocol',
    claimedWhen: 'failure=wedge or resumefail=wedge',
    claims: (f) => f.failure === 'wedge' || f.resumefail === 'wedge',
  },
];

/** The rules a design with these factors claims, in INVARIANTS order. */
export function ruleClaims(f: Factors): InvariantId[] {
  return RULE_CLAIMS.filter((r) => r.claims(f)).map((r) => r.invariant);
}
