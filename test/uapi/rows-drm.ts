/**
 * Audit rows of the DRM core's dispatch (drivers/gpu/drm/drm_ioctl.c: drm_ioctl,
 * drm_ioctl_kernel), GET_CAP (drm_getcap) and GEM_CLOSE (drm_gem.c, drm_gem_close_ioctl).
 */
import {
  DRM_IOCTL_GET_CAP,
  DRM_IOCTL_PANFROST_PERFCNT_ENABLE,
  DRM_IOCTL_PANTHOR_GROUP_GET_STATE,
  DRM_IOCTL_SYNCOBJ_CREATE,
  DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD,
  DriverFeature,
  DrmCap,
  drmIoctlCmd,
} from '../../src/driver/uapi.js';
import { Errno } from '../../src/kernel/errno.js';
import { IOC_READ, ioc } from '../../src/kernel/ioctl.js';
import { assert, errnoOf, type Row, unwrap } from './env.js';

const { EINVAL, ENODEV, ENOTTY, EFAULT, EOPNOTSUPP, EACCES } = Errno;
const F = 'drm_ioctl.c';

export const DRM_ROWS: Row[] = [
  {
    id: 'IOC-1',
    ioctl: 'any',
    check: 'the device was unplugged (first of all)',
    errno: 'ENODEV',
    kernel: `${F} drm_ioctl (drm_dev_is_unplugged)`,
    run: async (e) => {
      assert.equal(await e.sys.unbind(), 0);
      assert.equal(await e.c.ioctl(0x1234, null), -ENODEV, 'even a foreign command');
      assert.equal(errnoOf(await e.c.syncobjCreate()), ENODEV);
      assert.equal(errnoOf(await e.c.vmCreate()), ENODEV);
    },
  },
  {
    id: 'IOC-2',
    ioctl: 'any',
    check: "a command whose type is not 'd'",
    errno: 'ENOTTY',
    kernel: `${F} drm_ioctl (DRM_IOCTL_TYPE(cmd) != DRM_IOCTL_BASE)`,
    run: async (e) => {
      const cmd = (DRM_IOCTL_SYNCOBJ_CREATE & ~0xff00) | (0x3e << 8);
      assert.equal(await e.c.ioctl(cmd, { flags: 0 }), -ENOTTY);
    },
  },
  {
    id: 'IOC-3',
    ioctl: 'any',
    check:
      'a number with no entry: core (0xCF EVENTFD, 0x01) or driver (BO_SET_LABEL, past the table)',
    errno: 'EINVAL',
    kernel: `${F} drm_ioctl (err_i1, retcode -EINVAL)`,
    model: 'SYNCOBJ_EVENTFD is not modelled (no eventfd): EINVAL here, a real ioctl in the kernel',
    run: async (e) => {
      for (const nr of [0xcf, 0x01, 0x4d, 0x4e, 0x9f])
        assert.equal(await e.c.ioctl(drmIoctlCmd(nr, 16), {}), -EINVAL, `nr 0x${nr.toString(16)}`);
    },
  },
  {
    id: 'IOC-4',
    ioctl: 'any',
    check: "a user struct shorter than the kernel's: the rest is read as zero and not written back",
    errno: '0',
    kernel: `${F} drm_ioctl (memset of kdata past in_size)`,
    run: async (e) => {
      const so = await e.syncobj(1);
      // The 16-byte drm_syncobj_handle of older user space: `point` (at 16) is never seen.
      const args = { handle: so, flags: 2, fd: -1, pad: 0, point: 5 };
      assert.equal(await e.c.ioctl(drmIoctlCmd(0xc1, 16), args), 0, 'TIMELINE with point 0');
      assert.equal(args.point, 5, 'not copied back past 16 bytes');
      assert.equal(args.fd, 4);
      assert.equal(await e.c.ioctl(DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, args), -EINVAL, 'with point 5');
    },
  },
  {
    id: 'IOC-5',
    ioctl: 'any',
    check: "a user struct longer than the kernel's: the extra bytes are ignored",
    errno: '0',
    kernel: `${F} drm_ioctl (ksize = max(in, out, drv))`,
    run: async (e) => {
      const args = { handle: 0, flags: 0, future: 7 };
      assert.equal(await e.c.ioctl(drmIoctlCmd(0xbf, 64), args), 0);
      assert.equal(args.handle, 1);
      assert.equal(args.future, 7, 'handed back unchanged');
    },
  },
  {
    id: 'IOC-6',
    ioctl: 'any (_IOWR)',
    check: 'the struct is copied back on an error too: the input fields come back as C values',
    errno: 'WB whole struct',
    kernel: `${F} drm_ioctl (copy_to_user after the handler, whatever it returned)`,
    run: async (e) => {
      const args = { handle: 0, flags: -1 };
      assert.equal(await e.c.ioctl(DRM_IOCTL_SYNCOBJ_CREATE, args), -EINVAL);
      assert.equal(args.flags, 0xffff_ffff, 'the u32 the kernel read');
    },
  },
  {
    id: 'IOC-7',
    ioctl: 'any (_IOW, _IOR)',
    check: 'nothing is copied in without IOC_WRITE in both commands, nothing out without IOC_READ',
    errno: '0',
    kernel: `${F} drm_ioctl (in_size / out_size)`,
    run: async (e) => {
      // _IOR: the kernel reads nothing: flags 0xdeadbeef is not seen, and the handle comes back.
      const rd = { handle: 0, flags: 0xdeadbeef };
      assert.equal(await e.c.ioctl(ioc(IOC_READ, 0x64, 0xbf, 8), rd), 0);
      assert.equal(rd.handle, 1);
      // _IOW (PERFCNT_ENABLE is one): nothing comes back.
      const en = { enable: 1, counterset: 0 };
      assert.equal(await e.c.ioctl(DRM_IOCTL_PANFROST_PERFCNT_ENABLE, en), 0);
      assert.deepEqual(en, { enable: 1, counterset: 0 });
    },
  },
  {
    id: 'IOC-8',
    ioctl: 'any',
    check: 'the argument pointer is not user memory (NULL)',
    errno: 'EFAULT',
    kernel: `${F} drm_ioctl (copy_from_user)`,
    run: async (e) => {
      assert.equal(await e.c.ioctl(DRM_IOCTL_SYNCOBJ_CREATE, null), -EFAULT);
      assert.equal(await e.c.ioctl(DRM_IOCTL_PANTHOR_GROUP_GET_STATE, undefined), -EFAULT);
    },
  },
  {
    id: 'IOC-9',
    ioctl: 'any',
    check: 'every ioctl is DRM_RENDER_ALLOW: no AUTH, MASTER or ROOT_ONLY check on a render node',
    errno: '0',
    kernel: `${F} drm_ioctl_permit; panthor_drv.c panthor_drm_driver_ioctls[]`,
    run: async (e) => {
      assert.equal(errnoOf(await e.c.syncobjCreate()), 0);
      assert.notEqual(errnoOf(await e.c.vmCreate()), EACCES);
    },
  },
  {
    id: 'IOC-10',
    ioctl: 'any',
    check: 'a file that was closed',
    errno: 'ENODEV',
    kernel: 'fs/ioctl.c (the fd is gone: EBADF before the driver)',
    model: 'ENODEV: the model keeps the file object and answers for it; Linux says EBADF',
    run: async (e) => {
      await e.c.close();
      assert.equal(errnoOf(await e.c.syncobjCreate()), ENODEV);
    },
  },
  {
    id: 'IOC-11',
    ioctl: 'any',
    check: 'the device is wedged (the model refuses every ioctl until a rebind)',
    errno: 'ENODEV',
    kernel: 'drm_drv.c drm_dev_wedged_event (the uAPI of wedging)',
    model: 'a model design: Panthor unplugs a device whose reset failed, which gives ENODEV too',
    dirty: true,
    run: async (e) => {
      await e.dev.wedge.wedge('test');
      assert.equal(errnoOf(await e.c.syncobjCreate()), ENODEV);
      assert.equal(errnoOf(await e.c.vmCreate()), ENODEV);
    },
  },
  {
    id: 'CAP-1',
    ioctl: 'GET_CAP',
    check: 'DRM_CAP_SYNCOBJ and DRM_CAP_SYNCOBJ_TIMELINE: the driver features',
    errno: 'WB value',
    kernel: `${F} drm_getcap`,
    run: async (e) => {
      assert.equal(unwrap(await e.c.getCap(DrmCap.SYNCOBJ), 'cap').value, 1);
      assert.equal(unwrap(await e.c.getCap(DrmCap.SYNCOBJ_TIMELINE), 'cap').value, 1);
      e.dev.drm.driverFeatures &= ~DriverFeature.SYNCOBJ_TIMELINE;
      assert.equal(unwrap(await e.c.getCap(DrmCap.SYNCOBJ_TIMELINE), 'cap').value, 0);
    },
  },
  {
    id: 'CAP-2',
    ioctl: 'GET_CAP',
    check: 'TIMESTAMP_MONOTONIC 1, PRIME import|export',
    errno: 'WB value',
    kernel: `${F} drm_getcap`,
    run: async (e) => {
      assert.equal(unwrap(await e.c.getCap(DrmCap.TIMESTAMP_MONOTONIC), 'cap').value, 1);
      assert.equal(unwrap(await e.c.getCap(DrmCap.PRIME), 'cap').value, 3);
    },
  },
  {
    id: 'CAP-3',
    ioctl: 'GET_CAP',
    check: 'any other cap on a driver without DRIVER_MODESET (value comes back 0)',
    errno: 'EOPNOTSUPP',
    kernel: `${F} drm_getcap`,
    run: async (e) => {
      const args = { capability: 0x1, value: 9 };
      assert.equal(await e.c.ioctl(DRM_IOCTL_GET_CAP, args), -EOPNOTSUPP);
      assert.equal(args.value, 0);
    },
  },
  {
    id: 'GEM-1',
    ioctl: 'GEM_CLOSE',
    check: 'unknown handle',
    errno: 'EINVAL',
    kernel: 'drm_gem.c drm_gem_handle_delete',
    run: async (e) => {
      assert.equal(errnoOf(await e.c.gemClose(0xdeadbeef)), EINVAL);
    },
  },
  {
    id: 'GEM-2',
    ioctl: 'GEM_CLOSE',
    check: 'pad is not checked',
    errno: '0',
    kernel: 'drm_gem.c drm_gem_close_ioctl',
    run: async (e) => {
      const bo = await e.bo();
      assert.equal(errnoOf(await e.dev.drv.gemClose(e.c.file, { handle: bo.handle, pad: 7 })), 0);
    },
  },
  {
    id: 'GEM-3',
    ioctl: 'GEM_CLOSE',
    check: "the file's right to mmap the BO goes with the handle",
    errno: 'EACCES (mmap)',
    kernel: 'drm_gem.c drm_gem_object_release_handle (drm_vma_node_revoke)',
    run: async (e) => {
      const vm = await e.vm();
      const b = await e.buffer(vm, 0x10_0000);
      const off = unwrap(await e.c.boMmapOffset(b.handle), 'offset').offset;
      unwrap(await e.c.gemClose(b.handle), 'GEM_CLOSE');
      assert.equal(errnoOf(e.c.mmap(off, 4096)), EACCES, 'the BO lives on in the VM');
    },
  },
  {
    id: 'GEM-4',
    ioctl: 'GEM_CLOSE',
    check: 'driver without DRIVER_GEM',
    errno: 'EOPNOTSUPP',
    kernel: 'drm_gem.c drm_gem_close_ioctl',
    run: async (e) => {
      e.dev.drm.driverFeatures &= ~DriverFeature.GEM;
      assert.equal(errnoOf(await e.c.gemClose(1)), EOPNOTSUPP);
    },
  },
];
