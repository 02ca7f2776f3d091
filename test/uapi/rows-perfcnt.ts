/**
 * Audit rows of the Panfrost-style perfcnt ioctls (drivers/gpu/drm/panfrost/panfrost_perfcnt.c),
 * which the model puts on Panthor's device at driver numbers 0x70 / 0x71.
 */
import {
  DRM_IOCTL_PANFROST_PERFCNT_DUMP,
  DRM_IOCTL_PANFROST_PERFCNT_DUMP_V1,
} from '../../src/driver/uapi.js';
import { Errno } from '../../src/kernel/errno.js';
import { assert, type Env, errnoOf, type Row } from './env.js';

const { EINVAL, EBUSY, EFAULT, ENOSYS } = Errno;
const F = 'panfrost_perfcnt.c';

function words(e: Env): number[] {
  return new Array<number>(e.dev.perfcnt.bytes / 4).fill(0);
}

export const PERFCNT_ROWS: Row[] = [
  {
    id: 'PF-EN-1',
    ioctl: 'PERFCNT_ENABLE',
    check: 'without the unstable_ioctls module parameter',
    errno: 'ENOSYS',
    kernel: 'panfrost_drv.c panfrost_unstable_ioctl_check',
    run: async (e) => {
      e.dev.cfg.unstableIoctls = false;
      assert.equal(errnoOf(await e.c.perfcntEnable(true, 9)), ENOSYS);
      assert.equal(errnoOf(await e.c.perfcntDump({ buf: null })), ENOSYS);
    },
  },
  {
    id: 'PF-EN-2',
    ioctl: 'PERFCNT_ENABLE',
    check: "counterset above the GPU's (1 on Bifrost), even to disable",
    errno: 'EINVAL',
    kernel: `${F} panfrost_ioctl_perfcnt_enable`,
    model: "the model's CSF GPU counts as Bifrost (counter sets 0 and 1)",
    run: async (e) => {
      assert.equal(errnoOf(await e.c.perfcntEnable(true, 2)), EINVAL);
      assert.equal(errnoOf(await e.c.perfcntEnable(false, 2)), EINVAL);
    },
  },
  {
    id: 'PF-EN-3',
    ioctl: 'PERFCNT_ENABLE',
    check: 'another file owns the counters',
    errno: 'EBUSY',
    kernel: `${F} panfrost_perfcnt_enable_locked`,
    run: async (e) => {
      const b = e.other();
      assert.equal(errnoOf(await e.c.perfcntEnable(true)), 0);
      assert.equal(errnoOf(await b.perfcntEnable(true)), EBUSY);
    },
  },
  {
    id: 'PF-EN-4',
    ioctl: 'PERFCNT_ENABLE',
    check: 'the owner enabling again (another counterset too) succeeds and changes nothing',
    errno: '0',
    kernel: `${F} panfrost_perfcnt_enable_locked (user == perfcnt->user)`,
    run: async (e) => {
      assert.equal(errnoOf(await e.c.perfcntEnable(true, 0)), 0);
      assert.equal(errnoOf(await e.c.perfcntEnable(true, 1)), 0);
      assert.equal(e.dev.perfcnt.session?.counterset, 0);
    },
  },
  {
    id: 'PF-EN-5',
    ioctl: 'PERFCNT_ENABLE',
    check: 'disable by a file that does not own the counters (none enabled too)',
    errno: 'EINVAL',
    kernel: `${F} panfrost_perfcnt_disable_locked`,
    run: async (e) => {
      assert.equal(errnoOf(await e.c.perfcntEnable(false)), EINVAL);
      assert.equal(errnoOf(await e.c.perfcntEnable(true)), 0);
      assert.equal(errnoOf(await e.other().perfcntEnable(false)), EINVAL);
    },
  },
  {
    id: 'PF-EN-6',
    ioctl: 'PERFCNT_ENABLE',
    check: 'an _IOW command: nothing is copied back',
    errno: '0',
    kernel: 'drm_ioctl.c drm_ioctl (out_size 0)',
    run: async (e) => {
      const args = { enable: 7, counterset: 0 };
      assert.equal(errnoOf(await e.c.perfcntEnable(true)), 0);
      assert.equal(errnoOf(await e.dev.drv.perfcntEnable(e.c.file, args)), 0);
      assert.deepEqual(args, { enable: 7, counterset: 0 }, 'any non-zero enable enables');
    },
  },
  {
    id: 'PF-DUMP-1',
    ioctl: 'PERFCNT_DUMP',
    check: 'a file that does not own the counters',
    errno: 'EINVAL',
    kernel: `${F} panfrost_ioctl_perfcnt_dump`,
    run: async (e) => {
      assert.equal(errnoOf(await e.c.perfcntDump({ buf: words(e) })), EINVAL);
    },
  },
  {
    id: 'PF-DUMP-2',
    ioctl: 'PERFCNT_DUMP',
    check: 'buf_ptr NULL or smaller than the sample (copy_to_user of the whole sample, after it)',
    errno: 'EFAULT',
    kernel: `${F} panfrost_ioctl_perfcnt_dump`,
    run: async (e) => {
      assert.equal(errnoOf(await e.c.perfcntEnable(true)), 0);
      assert.equal(errnoOf(await e.c.perfcntDump({ buf: null })), EFAULT);
      assert.equal(errnoOf(await e.c.perfcntDump({ buf: [0, 0] })), EFAULT);
      assert.equal(errnoOf(await e.c.perfcntDump({ buf: words(e) })), 0);
    },
  },
  {
    id: 'PF-DUMP-3',
    ioctl: 'PERFCNT_DUMP',
    check: 'the upstream 8-byte _IOW dump: the sample only, nothing copied back',
    errno: '0',
    kernel: `${F} panfrost_ioctl_perfcnt_dump; drm_ioctl.c drm_ioctl`,
    run: async (e) => {
      assert.equal(errnoOf(await e.c.perfcntEnable(true)), 0);
      const args = { buf: words(e), samplesLost: 9 };
      assert.equal(await e.c.ioctl(DRM_IOCTL_PANFROST_PERFCNT_DUMP_V1, args), 0);
      assert.equal(args.samplesLost, 9);
    },
  },
  {
    id: 'PF-DUMP-4',
    ioctl: 'PERFCNT_DUMP',
    check: 'the 16-byte dump reports samples lost to a reset (samples_lost, epoch)',
    errno: 'WB samples_lost, epoch',
    kernel: 'not upstream (dri-devel, "Make reset sequence deal with an active HWPerf session")',
    model: 'a resetlab extension: the report Boris Brezillon proposed; upstream has no such field',
    run: async (e) => {
      assert.equal(errnoOf(await e.c.perfcntEnable(true)), 0);
      const args = { buf: words(e), samplesLost: 9, epoch: 9 };
      assert.equal(await e.c.ioctl(DRM_IOCTL_PANFROST_PERFCNT_DUMP, args), 0);
      assert.deepEqual([args.samplesLost, args.epoch], [0, 0]);
    },
  },
];
