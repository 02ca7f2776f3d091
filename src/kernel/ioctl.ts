/**
 * ioctl command numbers (include/uapi/asm-generic/ioctl.h): direction, size, type and number
 * packed in 32 bits, `dir << 30 | size << 16 | type << 8 | nr`. The size is part of the
 * command, which is how the DRM core learns how big the caller's struct is.
 */

export const IOC_NONE = 0;
/** `_IOC_WRITE`: user space writes, the kernel reads (copy in). */
export const IOC_WRITE = 1;
/** `_IOC_READ`: the kernel writes back (copy out). */
export const IOC_READ = 2;

export function ioc(dir: number, type: number, nr: number, size: number): number {
  return ((dir << 30) | ((size & 0x3fff) << 16) | ((type & 0xff) << 8) | (nr & 0xff)) >>> 0;
}

export const ioR = (type: number, nr: number, size: number) => ioc(IOC_READ, type, nr, size);
export const ioW = (type: number, nr: number, size: number) => ioc(IOC_WRITE, type, nr, size);
export const ioWR = (type: number, nr: number, size: number) =>
  ioc(IOC_READ | IOC_WRITE, type, nr, size);

export const iocDir = (cmd: number) => (cmd >>> 30) & 3;
export const iocType = (cmd: number) => (cmd >>> 8) & 0xff;
export const iocNr = (cmd: number) => cmd & 0xff;
export const iocSize = (cmd: number) => (cmd >>> 16) & 0x3fff;
