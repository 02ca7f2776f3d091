/**
 * DOC: VM_BIND execution (panthor_vm_bind_exec_sync_op and the VM bind queue).
 *
 * Synchronous binds run in the ioctl. Asynchronous binds (ASYNC flag) are queued on the VM's
 * ordered bind queue: the job waits for its in-syncs, applies its operations, then signals its
 * out-syncs. That job is in the fence-signalling path (its fence may be waited on by GPU work),
 * so it must not allocate: page-table pages are reserved in the ioctl, before queueing. An
 * asynchronous bind that fails makes the VM UNUSABLE (new maps refused, its groups stop), since
 * user space has already moved on assuming it succeeded.
 */
import { Errno } from '../kernel/errno.js';
import { beginSignalling, endSignalling, type Fence } from '../kernel/fence.js';
import { Work, Workqueue } from '../kernel/workqueue.js';
import type { PanthorDevice } from './device.js';
import type { Bo } from './gem.js';
import type { PteFlags } from './pgtable.js';
import type { Vm } from './vm.js';

export type BindOp =
  | { kind: 'map'; va: number; size: number; bo: Bo; boOffset: number; flags: PteFlags }
  | { kind: 'unmap'; va: number; size: number }
  | { kind: 'sync-only' };

export interface BindJob {
  ops: BindOp[];
  deps: Fence[];
  /** Signalled when the ops were applied. */
  done: Fence;
}

/** Applies bind operations to a VM (op lock held by the caller). */
export async function applyBindOps(vm: Vm, ops: BindOp[]): Promise<number> {
  for (const op of ops) {
    let ret = 0;
    if (op.kind === 'map') ret = await vm.map(op.va, op.size, op.bo, op.boOffset, op.flags);
    else if (op.kind === 'unmap') ret = await vm.unmap(op.va, op.size);
    if (ret) return ret;
  }
  return 0;
}

/**
 * The per-VM asynchronous bind queue (Panthor's per-VM drm_gpu_scheduler "panthor-vm-bind",
 * credit limit 1). The MMU's pre-reset stops every one (`panthor_vm_stop` = drm_sched_stop:
 * no new job runs, a running one finishes first) and its post-reset starts them again; a VM
 * created while a reset is in progress starts stopped (panthor_vm_create).
 */
/** How often a bind job the gate refused looks again (the design's gate has no wait queue a
 * work could sleep on without blocking the reset's stop). */
const GATE_RETRY_NS = 1_000_000;
const GATE_RETRIES = 100_000;

export class VmBindQueue {
  private readonly wq: Workqueue;
  private readonly jobs: BindJob[] = [];
  private readonly work: Work;
  stopped: boolean;

  constructor(
    private readonly dev: PanthorDevice,
    private readonly vm: Vm,
  ) {
    this.wq = Workqueue.ordered(dev.k, `vm${vm.uid}-bind`);
    this.work = new Work(dev.k, 'vm.bind_job', () => this.run());
    this.stopped = dev.mmu.resetInProgress;
  }

  /** panthor_vm_stop: drm_sched_stop(&vm->sched, NULL). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.work.cancelSync('stop [driver/vm-bind.ts]');
  }

  /** panthor_vm_start: drm_sched_start(&vm->sched, 0). */
  async start(): Promise<void> {
    this.stopped = false;
    if (this.jobs.length > 0) await this.wq.queueWork(this.work);
  }

  get pending(): number {
    return this.jobs.length;
  }

  async push(job: BindJob): Promise<void> {
    // Reserve page tables now: the job itself runs in the signalling path.
    let pages = 0;
    for (const op of job.ops) if (op.kind === 'map') pages += op.size / 4096;
    this.vm.pt.reserve(pages);
    for (const op of job.ops) if (op.kind === 'map') op.bo.get();
    this.jobs.push(job);
    if (!this.stopped) await this.wq.queueWork(this.work);
  }

  private async run(): Promise<void> {
    const k = this.dev.k;
    while (this.jobs.length > 0 && !this.stopped) {
      const job = this.jobs[0] as BindJob;
      for (const dep of job.deps) if (!dep.signalled) await dep.wait(-1, 'run [driver/vm-bind.ts]');
      // The gate is entered before the signalling section: waiting out a reset inside it would
      // make fence signalling depend on the reset. It is not waited for either: the reset's
      // MMU pre-reset stops this queue (panthor_vm_stop, drm_sched_stop) and waits for this
      // work, so a bind job blocked on the gate would deadlock the reset. Refused, the job stays
      // at the head and the work backs off until the gate opens, or ends if the queue was
      // stopped meanwhile (panthor_vm_start queues it again after the reset).
      let gate = await this.dev.gateEnter('worker');
      for (let i = 0; typeof gate === 'number' && gate !== -Errno.ENODEV; i++) {
        // Bounded (docs/design.md §5): a gate closed for GATE_RETRIES ms leaves the job queued.
        if (this.stopped || i >= GATE_RETRIES) return;
        await k.sleep(GATE_RETRY_NS);
        gate = await this.dev.gateEnter('worker');
      }
      if (this.stopped) {
        if (typeof gate !== 'number') this.dev.gateExit(gate);
        return;
      }
      this.jobs.shift();
      const cookie = beginSignalling(k);
      let ret = -Errno.ENODEV;
      if (typeof gate !== 'number' && this.vm.alive && !this.vm.destroyed) {
        await this.vm.opLock.lock('run [driver/vm-bind.ts]');
        ret = await applyBindOps(this.vm, job.ops);
        this.vm.opLock.unlock();
      }
      if (ret) {
        this.vm.unusable = true;
        job.done.setError(ret);
      }
      job.done.signal();
      endSignalling(k, cookie);
      if (typeof gate !== 'number') this.dev.gateExit(gate);
      for (const op of job.ops) if (op.kind === 'map') op.bo.put();
    }
  }
}
