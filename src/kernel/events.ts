/**
 * The virtual-time event queue.
 *
 * Timers, delayed work, wait timeouts and hardware latencies are all events: a callback due at
 * a virtual time. Events fire in (time, insertion order), so two events due at the same
 * nanosecond fire in the order they were armed, which keeps runs deterministic. Cancelling is
 * lazy (a flag), which keeps `cancel` O(1); cancelled entries are dropped when they reach the
 * top of the heap.
 */

export interface TimedEvent {
  readonly atNs: number;
  readonly seq: number;
  readonly label: string;
  /** Called with the event itself, so that a shared callback can find its `data`. */
  readonly fire: (ev: TimedEvent) => void;
  /** What a shared callback needs (the kernel's wait timeouts keep their task here), or null. */
  readonly data: unknown;
  cancelled: boolean;
}

export class EventQueue {
  private heap: TimedEvent[] = [];
  private seq = 0;
  private live = 0;

  /** Number of armed, not cancelled events. */
  get size(): number {
    return this.live;
  }

  add(
    atNs: number,
    label: string,
    fire: (ev: TimedEvent) => void,
    data: unknown = null,
  ): TimedEvent {
    const ev: TimedEvent = { atNs, seq: this.seq++, label, fire, data, cancelled: false };
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p] as TimedEvent;
      if (!before(ev, parent)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = ev;
    this.live++;
    return ev;
  }

  cancel(ev: TimedEvent): void {
    if (!ev.cancelled) {
      ev.cancelled = true;
      this.live--;
    }
  }

  /** The next live event without removing it. */
  peek(): TimedEvent | undefined {
    this.dropCancelled();
    return this.heap[0];
  }

  /** Removes and returns the next live event. */
  pop(): TimedEvent | undefined {
    this.dropCancelled();
    const top = this.heap[0];
    if (top === undefined) return undefined;
    this.removeTop();
    this.live--;
    // Mark it so that a late `cancel` of an event that already fired is a no-op.
    top.cancelled = true;
    return top;
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && (this.heap[0] as TimedEvent).cancelled) this.removeTop();
  }

  private removeTop(): void {
    const h = this.heap;
    const last = h.pop() as TimedEvent;
    if (h.length === 0) return;
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && before(h[r] as TimedEvent, h[l] as TimedEvent)) c = r;
      const child = h[c] as TimedEvent;
      if (!before(child, last)) break;
      h[i] = child;
      i = c;
    }
    h[i] = last;
  }
}

function before(a: TimedEvent, b: TimedEvent): boolean {
  return a.atNs < b.atNs || (a.atNs === b.atNs && a.seq < b.seq);
}
