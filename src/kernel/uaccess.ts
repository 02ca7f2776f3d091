/**
 * User memory and the kernel's copies across it (include/linux/uaccess.h: `copy_from_user`,
 * `copy_to_user`, `copy_struct_from_user`, `get_user`/`put_user`).
 *
 * The model's user space is JavaScript, so "user memory" is plain values:
 * - a user *struct* is an object whose properties are the C struct's fields (camelCase), laid
 *   out by a `Layout` (offset and C type of each field, the struct's size);
 * - a user *pointer* is the JS value it points at (an array for a `u32 *` or `u64 *`, an
 *   object for a struct, an array of objects for an array of structs), or `null` for NULL. A
 *   pointer to memory the process does not have (null, a number, a too-short array) faults:
 *   the copy returns -EFAULT, as `copy_from_user` does.
 *
 * Copying into the kernel converts each field to its C type the way a C assignment would:
 * u32 fields take `v >>> 0` (so `-1` is 0xffffffff, `2 ** 32` is 0, `1.5` is 1), s32 `v | 0`,
 * u64 and s64 fields accept a number or a bigint and wrap modulo 2^64 (`-1` as a u64 is
 * UINT64_MAX; a bigint `INT64_MAX` stays INT64_MAX). In the kernel copy 64-bit values are JS
 * numbers: exact up to 2^53 (every address, size and point the model uses), rounded beyond.
 * Two number literals have no exact double and are read as the C constant a programmer meant:
 * `9223372036854775807` (the double 2^63) as INT64_MAX, `18446744073709551615` (2^64) as
 * UINT64_MAX. A field the user object does not have reads as 0, which is also what the kernel
 * sees for the tail of a struct shorter than its own (drm_ioctl zero-fills it).
 */
import { Errno } from './errno.js';

export type CType = 'u8' | 'u16' | 'u32' | 's32' | 'u64' | 's64' | 'ptr' | 'struct';

export interface Field {
  readonly name: string;
  readonly offset: number;
  readonly type: CType;
  /** For `struct` fields: the embedded struct's layout. */
  readonly struct?: Layout;
}

export interface Layout {
  readonly name: string;
  /** `sizeof(struct ...)` in bytes. */
  readonly size: number;
  readonly fields: readonly Field[];
  /** Field names, for telling a newer user struct's extra fields from the kernel's. */
  readonly names: ReadonlySet<string>;
}

const WIDTH: Record<Exclude<CType, 'struct'>, number> = {
  u8: 1,
  u16: 2,
  u32: 4,
  s32: 4,
  u64: 8,
  s64: 8,
  ptr: 8,
};

/** Declares a struct: `[name, offset, type]` per field, in declaration order. */
export function layout(
  name: string,
  size: number,
  fields: ReadonlyArray<
    readonly [string, number, CType] | readonly [string, number, 'struct', Layout]
  >,
): Layout {
  const fs: Field[] = fields.map((f) =>
    f[2] === 'struct'
      ? { name: f[0], offset: f[1], type: 'struct', struct: f[3] as Layout }
      : { name: f[0], offset: f[1], type: f[2] },
  );
  return { name, size, fields: fs, names: new Set(fs.map((f) => f.name)) };
}

export function fieldWidth(f: Field): number {
  return f.type === 'struct' ? (f.struct as Layout).size : WIDTH[f.type];
}

const TWO_63 = 2 ** 63;
const TWO_64 = 2 ** 64;

/** The value a C field of type `t` holds after `field = v` (see the file comment). */
export function toC(t: Exclude<CType, 'struct' | 'ptr'>, v: unknown): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') {
    switch (t) {
      case 'u8':
        return Number(BigInt.asUintN(8, v));
      case 'u16':
        return Number(BigInt.asUintN(16, v));
      case 'u32':
        return Number(BigInt.asUintN(32, v));
      case 's32':
        return Number(BigInt.asIntN(32, v));
      case 'u64':
        return Number(BigInt.asUintN(64, v));
      case 's64':
        return Number(BigInt.asIntN(64, v));
    }
  }
  if (typeof v !== 'number' || Number.isNaN(v)) return 0;
  switch (t) {
    case 'u8':
      return (v >>> 0) & 0xff;
    case 'u16':
      return (v >>> 0) & 0xffff;
    case 'u32':
      return v >>> 0;
    case 's32':
      return v | 0;
    case 'u64': {
      if (Number.isSafeInteger(v) && v >= 0) return v;
      if (v >= TWO_64) return TWO_64; // UINT64_MAX (its nearest double)
      const t64 = Math.trunc(v);
      if (!Number.isFinite(t64)) return 0;
      return Number(BigInt.asUintN(64, BigInt(t64)));
    }
    case 's64': {
      if (Number.isSafeInteger(v)) return v;
      if (v === TWO_63) return TWO_63; // INT64_MAX (its nearest double)
      if (v === TWO_64) return -1; // UINT64_MAX written as a number
      const t64 = Math.trunc(v);
      if (!Number.isFinite(t64)) return v > 0 ? TWO_63 : -TWO_63;
      return Number(BigInt.asIntN(64, BigInt(t64)));
    }
  }
}

/** A user pointer as the kernel holds it: the user value, or null for NULL (0 too). */
function toPtr(v: unknown): unknown {
  return v === undefined || v === null || v === 0 || v === false ? null : v;
}

function readField(f: Field, src: Record<string, unknown>): unknown {
  const v = src[f.name];
  if (f.type === 'ptr') return toPtr(v);
  if (f.type === 'struct') return copyIn(f.struct as Layout, v, (f.struct as Layout).size);
  return toC(f.type, v);
}

function zeroField(f: Field): unknown {
  if (f.type === 'ptr') return null;
  if (f.type === 'struct') return copyIn(f.struct as Layout, undefined, 0);
  return 0;
}

function copyIn(l: Layout, user: unknown, usize: number): Record<string, unknown> {
  const src =
    user !== null && typeof user === 'object' ? (user as Record<string, unknown>) : undefined;
  const k: Record<string, unknown> = {};
  for (const f of l.fields) {
    k[f.name] =
      src !== undefined && f.offset + fieldWidth(f) <= usize ? readField(f, src) : zeroField(f);
  }
  return k;
}

/**
 * `copy_from_user` of `usize` bytes into a kernel struct of layout `l`, the rest zero-filled
 * (drm_ioctl's treatment of a user struct older than the kernel's). -EFAULT when `user` is not
 * memory (null, not an object) and something had to be read.
 */
export function copyFromUser<T>(l: Layout, user: unknown, usize: number): T | number {
  if (usize > 0 && (user === null || typeof user !== 'object' || Array.isArray(user)))
    return -Errno.EFAULT;
  return copyIn(l, user, usize) as T;
}

/** `copy_to_user` of the first `usize` bytes of a kernel struct. -EFAULT for bad memory. */
export function copyToUser(l: Layout, kdata: unknown, user: unknown, usize: number): number {
  if (usize === 0) return 0;
  if (user === null || typeof user !== 'object' || Array.isArray(user)) return -Errno.EFAULT;
  const dst = user as Record<string, unknown>;
  const src = kdata as Record<string, unknown>;
  for (const f of l.fields) {
    if (f.offset + fieldWidth(f) > usize) continue;
    if (f.type === 'struct') {
      const inner = dst[f.name];
      if (inner !== null && typeof inner === 'object')
        copyToUser(f.struct as Layout, src[f.name], inner, (f.struct as Layout).size);
      else dst[f.name] = { ...(src[f.name] as object) };
    } else {
      dst[f.name] = src[f.name];
    }
  }
  return 0;
}

/**
 * `copy_struct_from_user(dst, ksize, src, usize)`: a user struct of `usize` bytes into a kernel
 * struct. Shorter: the missing tail is zero. Longer: the bytes past the kernel's struct must be
 * zero, or -E2BIG; here those bytes are the properties of the user object the kernel's layout
 * does not have (the fields of a newer struct), any of them non-zero.
 */
export function copyStructFromUser<T>(l: Layout, user: unknown, usize: number): T | number {
  if (user === null || typeof user !== 'object' || Array.isArray(user)) return -Errno.EFAULT;
  if (usize > l.size) {
    for (const [key, v] of Object.entries(user as Record<string, unknown>)) {
      if (l.names.has(key)) continue;
      if (v !== 0 && v !== 0n && v !== undefined && v !== null && v !== false) return -Errno.E2BIG;
    }
  }
  return copyIn(l, user, Math.min(usize, l.size)) as T;
}

/** Whether a user pointer names an array of scalars (a JS array or a typed array). */
function isUserArray(p: unknown): p is ArrayLike<unknown> & { [i: number]: unknown } {
  return Array.isArray(p) || (ArrayBuffer.isView(p) && !(p instanceof DataView));
}

/**
 * `copy_from_user` of `count` scalars of type `t` from the user array `ptr` (a JS array or a
 * typed array): -EFAULT when it is not one, or holds fewer than `count` elements.
 */
export function copyArrayFromUser(
  ptr: unknown,
  count: number,
  t: Exclude<CType, 'struct' | 'ptr'>,
): number[] | number {
  if (count === 0) return [];
  if (!isUserArray(ptr) || ptr.length < count) return -Errno.EFAULT;
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) out[i] = toC(t, ptr[i]);
  return out;
}

/** `put_user` of one element: -EFAULT when `ptr[index]` is not user memory. */
export function putUser(ptr: unknown, index: number, value: number): number {
  if (!isUserArray(ptr) || index >= ptr.length) return -Errno.EFAULT;
  if (ptr instanceof BigUint64Array || ptr instanceof BigInt64Array) ptr[index] = BigInt(value);
  else ptr[index] = value;
  return 0;
}
