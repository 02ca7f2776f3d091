/**
 * dma_fence_array and the unwrap helpers (drivers/dma-buf/dma-fence-array.c,
 * dma-fence-unwrap.c): several fences seen as one, and containers taken apart.
 *
 * - `FenceArray` signals once all its fences have (the `signal_on_any = false` form the merge
 *   builds) and carries the first error one of them reported (`dma_fence_array_set_pending_error`).
 * - `fenceUnwrap` is `dma_fence_unwrap_for_each`: the fences inside chains and arrays, walking
 *   the chain (so nodes whose fence already signalled are collected on the way, as the kernel's
 *   walk does), an array's members in order, a plain fence as itself.
 * - `fenceUnwrapMerge` is `dma_fence_unwrap_merge` of one fence: only the fences still pending
 *   are kept; none left gives a new signalled stub (errors of signalled fences are dropped with
 *   them), one gives that fence, more give an array. DRM syncobj's TRANSFER to a timeline point
 *   uses it so that a chain is never put inside a chain.
 */
import { Fence, fenceRegistry } from './fence.js';
import { FenceChain, fenceChainWalk } from './fence-chain.js';
import { fenceAllocatePrivateStub } from './fence-stub.js';
import type { Kernel } from './kernel.js';

export class FenceArray extends Fence {
  private pending: number;

  constructor(
    k: Kernel,
    readonly fences: readonly Fence[],
  ) {
    super(k, fenceRegistry(k).allocContext(), 1, `array(${fences.length})`);
    this.pending = fences.length;
    for (const f of fences) if (!f.addCallback(this.onFence)) this.onFence(f);
  }

  private readonly onFence = (f: Fence): void => {
    // `pending` is this fence's state: the count-down is a write (hb.ts).
    this.k.access(this, true);
    if (f.error !== 0 && this.error === 0 && !this.signalled) this.setError(f.error);
    this.pending--;
    if (this.pending === 0 && !this.signalled) this.signal();
  };
}

/** The fences inside `head`, as `dma_fence_unwrap_for_each` visits them. */
export function fenceUnwrap(head: Fence): Fence[] {
  const out: Fence[] = [];
  for (let c: Fence | null = head; c !== null; c = fenceChainWalk(c)) {
    const inner = c instanceof FenceChain ? c.fence : c;
    if (inner instanceof FenceArray) out.push(...inner.fences);
    else out.push(inner);
    if (!(c instanceof FenceChain)) break;
  }
  return out;
}

/** `dma_fence_unwrap_merge(head)`: see the file comment. */
export function fenceUnwrapMerge(k: Kernel, head: Fence): Fence {
  const pending: Fence[] = [];
  for (const f of fenceUnwrap(head)) if (!f.signalled && !pending.includes(f)) pending.push(f);
  if (pending.length === 0) return fenceAllocatePrivateStub(k);
  if (pending.length === 1) return pending[0] as Fence;
  return new FenceArray(k, pending);
}
