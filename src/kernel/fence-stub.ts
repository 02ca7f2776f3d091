/**
 * Stub fences (drivers/dma-buf/dma-fence.c): fences born signalled, for "already done".
 *
 * - `dma_fence_get_stub()`: one global stub, initialised on first use and signalled then; every
 *   caller shares it. DRM syncobj uses it where a point was already signalled and collected,
 *   and for TIMELINE_SIGNAL.
 * - `dma_fence_allocate_private_stub(timestamp)`: a new signalled fence each call (SYNCOBJ_SIGNAL,
 *   SYNCOBJ_CREATE with CREATE_SIGNALED, a merge of fences that were all signalled).
 *
 * Both are on context 0 with seqno 0 and carry no error; neither is ever pending, so the
 * liveness oracle never sees them.
 */
import { Fence, fenceRegistry } from './fence.js';
import type { Kernel } from './kernel.js';

const stubs = new WeakMap<Kernel, Fence>();

/** `dma_fence_get_stub`: the shared, signalled stub of this kernel. */
export function fenceGetStub(k: Kernel): Fence {
  // Whether the stub exists yet depends on every fence creation before (each writes the
  // registry): a read of it (hb.ts).
  k.access(fenceRegistry(k), false);
  let f = stubs.get(k);
  if (f === undefined) {
    f = new Fence(k, 0, 0, 'stub');
    f.signal();
    stubs.set(k, f);
  }
  return f;
}

/** `dma_fence_allocate_private_stub`: a new signalled fence. */
export function fenceAllocatePrivateStub(k: Kernel): Fence {
  const f = new Fence(k, 0, 0, 'stub');
  f.signal();
  return f;
}
