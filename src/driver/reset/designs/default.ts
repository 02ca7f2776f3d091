/**
 * DOC: the `default` preset — resetlab's own design, which must hold every harm invariant.
 *
 * - The gate closes at *request* time (`gate=request`): from the moment a problem is reported,
 *   no job is handed to the hardware and no work touches it (no window).
 * - Hardware sections are SRCU read sections; the reset waits for those already inside before
 *   its first pre-reset hook (`drain=wait`); refused ioctls wait for the reset and then proceed
 *   (`refused=wait`).
 * - A job that times out is blamed only once the firmware answered a ping and its slot has no
 *   event an interrupt failed to report (`blame=ping`); timeouts that fire while a reset is
 *   pending are put off (`timeouts=defer`).
 * - A request that arrives after the running reset reset the hardware is served by another
 *   reset (`late=serve`); a request made while the device suspends or resumes is not left for
 *   the next cycle (`resuming=requeue`); neither the tick nor run_job waits for a resume
 *   (`tickpm=if-active`, `runpm=if-active`); a tiler-OOM work serves only an OOM that is still
 *   raised (`oom=if-raised`).
 * - A failed reset is retried once as a slow reset (`retry=1`, every hardware result counting:
 *   `success=all`); if that fails too, the device is wedged (`failure=wedge`), as is a device
 *   whose resume fails (`resumefail=wedge`); an unplug signals every pending fence
 *   (`unplug=signal`).
 * - A soft reset that timed out drops its request, so that the retry (and any later reset)
 *   really resets the GPU (`softreset=irq-rearm`).
 * - VM_DESTROY evicts the VM's groups first (`vmdestroy=evict`), and a perfcnt session survives
 *   resets (`perfcnt=restore`, Boris Brezillon's proposal).
 *
 * Every one of these is a delta of the fidelity ledger; `resetlab ablate default` shows which
 * of them each guarantee needs.
 */
import type { DesignSpec } from '../design.js';
import { MAINLINE_FACTORS } from '../factors.js';

export const DEFAULT: DesignSpec = {
  name: 'default',
  follows: "resetlab's own design, on mainline Panthor",
  claimsHarm: true,
  factors: {
    ...MAINLINE_FACTORS,
    gate: 'request',
    refused: 'wait',
    drain: 'wait',
    failure: 'wedge',
    retry: '1',
    success: 'all',
    blame: 'ping',
    timeouts: 'defer',
    late: 'serve',
    resuming: 'requeue',
    tickpm: 'if-active',
    runpm: 'if-active',
    oom: 'if-raised',
    vmdestroy: 'evict',
    unplug: 'signal',
    perfcnt: 'restore',
    resumefail: 'wedge',
    softreset: 'irq-rearm',
  },
};
