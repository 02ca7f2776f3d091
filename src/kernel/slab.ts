/**
 * Allocation size limits (include/linux/slab.h, mm/util.c) that decide when a huge count
 * from user space fails with ENOMEM instead of being allocated.
 *
 * - `kmalloc_array(n, size)`: NULL when `n * size` overflows or exceeds KMALLOC_MAX_SIZE
 *   (an order-MAX_PAGE_ORDER allocation: 4 MiB with 4 KiB pages).
 * - `kvmalloc_array(n, size)`: falls back to vmalloc, so only `n * size > INT_MAX` fails
 *   (kvmalloc refuses sizes above INT_MAX).
 * The model does not allocate these arrays; it only answers whether the kernel could.
 */

export const KMALLOC_MAX_SIZE = 4 * 1024 * 1024;
const INT_MAX = 0x7fff_ffff;

/** Whether `kmalloc_array(n, size)` can succeed. */
export function kmallocArrayFits(n: number, size: number): boolean {
  return n * size <= KMALLOC_MAX_SIZE;
}

/** Whether `kvmalloc_array(n, size)` can succeed. */
export function kvmallocArrayFits(n: number, size: number): boolean {
  return n * size <= INT_MAX;
}
