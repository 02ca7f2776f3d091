/**
 * dma_fence_chain (drivers/dma-buf/dma-fence-chain.c): the timeline of a timeline syncobj.
 *
 * A chain node wraps one fence (`fence`, the point's payload) and points at the previous head
 * (`prev`). `dma_fence_chain_init` gives a node the previous node's fence context when its
 * seqno is later (so one context is one ordered run of points, and `prevSeqno` is the point
 * before it); otherwise it allocates a new context and, when the previous head is a chain,
 * bumps the seqno to the previous one: a point lower than the last is accepted, silently,
 * and starts a new run.
 *
 * A node is signalled when its own fence and every fence still on the chain behind it are
 * (`dma_fence_chain_signaled`); it never carries an error, whatever its fence ended with.
 * The kernel evaluates that lazily; here the node listens to its fence and its predecessor
 * and signals as soon as both have, which is what `dma_fence_is_signaled` would answer at any
 * moment, since fence callbacks run synchronously in the signaller.
 *
 * `fenceChainWalk` is `dma_fence_chain_walk`: the next node, unlinking on the way the nodes
 * whose own fence already signalled (the garbage collection that makes an old, collected
 * point resolve to NULL, which callers replace with the stub). `fenceChainFindSeqno` is
 * `dma_fence_chain_find_seqno`.
 */
import { Fence, fenceRegistry } from './fence.js';
import type { Kernel } from './kernel.js';

export class FenceChain extends Fence {
  constructor(
    k: Kernel,
    context: number,
    seqno: number,
    prev: Fence | null,
    /** `chain->fence`: the contained fence. */
    readonly fence: Fence,
    /** `chain->prev_seqno`: the previous point on the same context, else 0. */
    readonly prevSeqno: number,
  ) {
    super(k, context, seqno, `chain#${seqno}`);
    this.link = prev;
    this.arm();
  }

  private link: Fence | null;

  /** `chain->prev`: the previous head, re-linked past signalled nodes by the walk. */
  get prev(): Fence | null {
    this.k.access(this, false);
    return this.link;
  }

  set prev(f: Fence | null) {
    this.k.access(this, true);
    this.link = f;
  }

  /** Listens to whichever of the contained fence and the predecessor is still pending. */
  private readonly arm = (): void => {
    if (this.signalled) return;
    if (!this.fence.signalled) {
      this.fence.addCallback(this.arm);
      return;
    }
    const p = this.prev;
    if (p !== null && !p.signalled) {
      p.addCallback(this.arm);
      return;
    }
    this.signal();
  };
}

/** `dma_fence_chain_init` (the node is allocated and initialised in one step here). */
export function fenceChainInit(k: Kernel, prev: Fence | null, fence: Fence, seqno: number): Fence {
  let context: number;
  let prevSeqno = 0;
  let s = seqno;
  if (prev instanceof FenceChain && seqno > prev.seqno) {
    context = prev.context;
    prevSeqno = prev.seqno;
  } else {
    context = fenceRegistry(k).allocContext();
    if (prev instanceof FenceChain) s = Math.max(prev.seqno, seqno);
  }
  return new FenceChain(k, context, s, prev, fence, prevSeqno);
}

export function isFenceChain(f: Fence | null): f is FenceChain {
  return f instanceof FenceChain;
}

/** `dma_fence_chain_contained`: a chain node's fence, or the fence itself. */
export function fenceChainContained(f: Fence): Fence {
  return f instanceof FenceChain ? f.fence : f;
}

/** `dma_fence_chain_walk`: the next fence on the chain after `f`, or null at the end. */
export function fenceChainWalk(f: Fence): Fence | null {
  if (!(f instanceof FenceChain)) return null;
  let prev = f.prev;
  while (prev !== null) {
    let replacement: Fence | null;
    if (prev instanceof FenceChain) {
      if (!prev.fence.signalled) break;
      replacement = prev.prev;
    } else {
      if (!prev.signalled) break;
      replacement = null;
    }
    f.prev = replacement;
    prev = replacement;
  }
  return prev;
}

/**
 * `dma_fence_chain_find_seqno(&f, seqno)`: the node that signals point `seqno` (null when the
 * walk ran off a collected chain: already signalled), or `false` for -EINVAL (not a chain, or
 * the point is not submitted yet). Point 0 is a no-op: `f` itself.
 */
export function fenceChainFindSeqno(f: Fence | null, seqno: number): Fence | null | false {
  if (seqno === 0) return f;
  if (!(f instanceof FenceChain) || f.seqno < seqno) return false;
  let it: Fence | null = f;
  while (it !== null) {
    if (!(it instanceof FenceChain) || it.context !== f.context || it.prevSeqno < seqno) break;
    it = fenceChainWalk(it);
  }
  return it;
}
