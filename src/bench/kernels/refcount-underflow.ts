/**
 * A refcount underflow from an unbalanced put after reset (depth 1), the perfcnt AS bug: the
 * profiling session holds one reference on its address space; a reset zeroes every AS count
 * and does not give the session its reference back, so the session's put at the end
 * underflows.
 *
 * Bug ordering: the reset's zeroing before the session's put (1 constraint), given the hang
 * that causes the reset.
 */
import type { BenchKernel } from './api.js';

export const refcountUnderflow: BenchKernel = {
  name: 'refcount-underflow',
  description: 'a reset zeroes the AS count under a perfcnt session, whose put then underflows',
  depth: 1,
  invariant: 'refcount-underflow',
  setup(api) {
    let asRefs = 1;
    api.spawn('perfcnt-session', async () => {
      await api.yieldPoint();
      await api.yieldPoint();
      asRefs--;
      api.assert(asRefs >= 0, 'refcount-underflow');
    });
    api.spawn('reset', async () => {
      if (!api.fault('gpu-hang')) return;
      await api.yieldPoint();
      await api.yieldPoint();
      asRefs = 0;
    });
  },
};
