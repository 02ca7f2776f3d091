/**
 * The liveness probe: a fresh client that waits for a usable device and gets one small job done
 * (a store it then reads back through its mapping). Scenario runs end with it (`recovery`), and
 * so do fuzz programs: a device that cannot serve new work after the faults stopped, and after
 * the recovery daemon had its chance, has not recovered.
 */
import type { System } from '../system/system.js';
import { streams, Umd } from './umd.js';

const RETRY_NS = 20_000_000;

/** Waits for a usable device and gets one small job done before `deadline` (virtual ns). */
export async function probe(sys: System, deadline: number): Promise<boolean> {
  const k = sys.k;
  while (k.nowNs < deadline) {
    const dev = sys.dev;
    if (dev?.initialized && !dev.unplugged && !dev.wedge.wedged) {
      const umd = await Umd.open(sys, { name: 'probe' });
      if (typeof umd !== 'number') {
        const ok = await probeJob(umd, deadline - k.nowNs);
        await umd.close();
        if (ok) return true;
      }
    }
    await k.sleep(RETRY_NS);
  }
  return false;
}

async function probeJob(umd: Umd, timeoutNs: number): Promise<boolean> {
  const ctx = await umd.context();
  if (typeof ctx === 'number') return false;
  const buf = await umd.buffer(4096);
  if (typeof buf === 'number') return false;
  const sub = await ctx.submit(0, streams.store(buf.va, 0x600d, 1000));
  if (sub.errno !== 0) return false;
  const w = await umd.wait(sub.syncobj, Math.max(1, timeoutNs));
  if (w.waitErrno !== 0 || w.status !== 1) return false;
  const v = buf.map?.read32(0);
  return v?.ok === true && v.value === 0x600d;
}
