/**
 * Panthor's versioned user objects (panthor_drv.c: `panthor_get_uobj_array`, used through
 * PANTHOR_UOBJ_GET_ARRAY, and `panthor_set_uobj`, through PANTHOR_UOBJ_SET).
 *
 * An array `{stride, count, array}` is read element by element with `copy_struct_from_user`:
 * - count 0 is an empty array, and nothing else is looked at (not even the stride);
 * - a stride below the element's minimum size (the struct when it entered the uAPI; for every
 *   struct the model has, the whole struct) is EINVAL;
 * - a count whose allocation `kvmalloc_array` could not make is ENOMEM;
 * - an element past the end of the user memory is EFAULT; a stride above the kernel's struct
 *   with non-zero bytes past it is E2BIG (a newer user space using a field this kernel lacks).
 *
 * An object written to user space (DEV_QUERY) takes `min(user size, kernel size)` bytes; a user
 * size below the minimum is EINVAL; the `size` field is not updated.
 */
import { Errno } from '../kernel/errno.js';
import { kvmallocArrayFits } from '../kernel/slab.js';
import { copyStructFromUser, copyToUser, type Layout } from '../kernel/uaccess.js';

/** The kernel copy of a `drm_panthor_obj_array`. */
export interface KObjArray {
  stride: number;
  count: number;
  array: unknown;
}

/** `panthor_get_uobj_array(in, min_stride, obj_size)`: the kernel copies, or a negative errno. */
export function getUobjArray<T>(a: KObjArray, minStride: number, l: Layout): T[] | number {
  if (a.count === 0) return [];
  if (a.stride < minStride) return -Errno.EINVAL;
  if (!kvmallocArrayFits(a.count, l.size)) return -Errno.ENOMEM;
  const src = a.array;
  if (!Array.isArray(src) || src.length < a.count) return -Errno.EFAULT;
  const out: T[] = new Array(a.count);
  for (let i = 0; i < a.count; i++) {
    const e = copyStructFromUser<T>(l, src[i], a.stride);
    if (typeof e === 'number') return e;
    out[i] = e;
  }
  return out;
}

/** `panthor_set_uobj(ptr, usize, min_size, kern_size, in)`: 0 or a negative errno. */
export function setUobj(
  ptr: unknown,
  usize: number,
  minSize: number,
  l: Layout,
  v: object,
): number {
  if (usize < minSize) return -Errno.EINVAL;
  return copyToUser(l, v, ptr, Math.min(usize, l.size));
}
