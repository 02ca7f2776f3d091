/**
 * DOC: the `rebind` design — recover by unbinding the driver and probing it again.
 *
 * Rules: a reset request coalesces on the pending flag and queues a recovery work that lives
 * outside the device (it cannot be the device's own work: removing the device waits for the
 * device's works). The work unbinds the driver (every file's ioctls then return ENODEV, every
 * job is cancelled) and binds it again, which probes the GPU from scratch. It needs no gate:
 * the device the faulty hardware belonged to simply stops existing.
 *
 * Where it is weak, and why: it is correct by construction but throws away everything: jobs of
 * innocent groups are cancelled with the rest, every open file is dead and user space must
 * reopen the device and rebuild its state, and recovery takes a full probe. Between the fault
 * and the unbind, nothing stops submissions either.
 */
import { type Recovery, ResetDesign } from '../design.js';

export class RebindDesign extends ResetDesign {
  readonly name = 'rebind';
  override readonly recovery: Recovery = 'rebind';
}
