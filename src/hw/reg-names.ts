/**
 * Register names for messages and traces: `AS_COMMAND(2)`, `GPU_CMD`, `CSF_DOORBELL(2)`
 * instead of `0x2498`, as panthor_regs.h spells them. A developer reads the name; the offset
 * would send them to the header. regs.ts keeps the offsets (no logic there); this file is the
 * reverse lookup.
 *
 * 64-bit registers are two 32-bit halves: the low half is named as the register, the high one
 * with `_HI` (`AS_TRANSTAB_HI(2)`), as panthor_regs.h's `_LO`/`_HI` variants do. An offset
 * that is no register is printed in hex.
 */
import * as R from './regs.js';

/** Offsets of the GPU and job/MMU interrupt blocks, by name; `true` for a 64-bit register. */
const FIXED: readonly [string, number, boolean][] = [
  ['GPU_ID', R.GPU_ID, false],
  ['GPU_L2_FEATURES', R.GPU_L2_FEATURES, false],
  ['GPU_CORE_FEATURES', R.GPU_CORE_FEATURES, false],
  ['GPU_TILER_FEATURES', R.GPU_TILER_FEATURES, false],
  ['GPU_MEM_FEATURES', R.GPU_MEM_FEATURES, false],
  ['GPU_MMU_FEATURES', R.GPU_MMU_FEATURES, false],
  ['GPU_AS_PRESENT', R.GPU_AS_PRESENT, false],
  ['GPU_CSF_ID', R.GPU_CSF_ID, false],
  ['GPU_INT_RAWSTAT', R.GPU_INT_RAWSTAT, false],
  ['GPU_INT_CLEAR', R.GPU_INT_CLEAR, false],
  ['GPU_INT_MASK', R.GPU_INT_MASK, false],
  ['GPU_INT_STAT', R.GPU_INT_STAT, false],
  ['GPU_CMD', R.GPU_CMD, false],
  ['GPU_STATUS', R.GPU_STATUS, false],
  ['GPU_FAULT_STATUS', R.GPU_FAULT_STATUS, false],
  ['GPU_FAULT_ADDR', R.GPU_FAULT_ADDR, true],
  ['PRFCNT_BASE_LO', R.PRFCNT_BASE_LO, false],
  ['PRFCNT_BASE_HI', R.PRFCNT_BASE_HI, false],
  ['PRFCNT_CONFIG', R.PRFCNT_CONFIG, false],
  ['PRFCNT_JM_EN', R.PRFCNT_JM_EN, false],
  ['PRFCNT_SHADER_EN', R.PRFCNT_SHADER_EN, false],
  ['PRFCNT_TILER_EN', R.PRFCNT_TILER_EN, false],
  ['PRFCNT_MMU_L2_EN', R.PRFCNT_MMU_L2_EN, false],
  ['GPU_TIMESTAMP_OFFSET', R.GPU_TIMESTAMP_OFFSET, true],
  ['GPU_CYCLE_COUNT', R.GPU_CYCLE_COUNT, true],
  ['GPU_TIMESTAMP', R.GPU_TIMESTAMP, true],
  ['GPU_SHADER_PRESENT', R.GPU_SHADER_PRESENT, true],
  ['GPU_TILER_PRESENT', R.GPU_TILER_PRESENT, true],
  ['GPU_L2_PRESENT', R.GPU_L2_PRESENT, true],
  ['SHADER_READY', R.SHADER_READY, true],
  ['TILER_READY', R.TILER_READY, true],
  ['L2_READY', R.L2_READY, true],
  ['SHADER_PWRON', R.SHADER_PWRON, true],
  ['TILER_PWRON', R.TILER_PWRON, true],
  ['L2_PWRON', R.L2_PWRON, true],
  ['SHADER_PWROFF', R.SHADER_PWROFF, true],
  ['TILER_PWROFF', R.TILER_PWROFF, true],
  ['L2_PWROFF', R.L2_PWROFF, true],
  ['SHADER_PWRTRANS', R.SHADER_PWRTRANS, true],
  ['TILER_PWRTRANS', R.TILER_PWRTRANS, true],
  ['L2_PWRTRANS', R.L2_PWRTRANS, true],
  ['MCU_CONTROL', R.MCU_CONTROL, false],
  ['MCU_STATUS', R.MCU_STATUS, false],
  ['JOB_INT_RAWSTAT', R.JOB_INT_RAWSTAT, false],
  ['JOB_INT_CLEAR', R.JOB_INT_CLEAR, false],
  ['JOB_INT_MASK', R.JOB_INT_MASK, false],
  ['JOB_INT_STAT', R.JOB_INT_STAT, false],
  ['MMU_INT_RAWSTAT', R.MMU_INT_RAWSTAT, false],
  ['MMU_INT_CLEAR', R.MMU_INT_CLEAR, false],
  ['MMU_INT_MASK', R.MMU_INT_MASK, false],
  ['MMU_INT_STAT', R.MMU_INT_STAT, false],
  ['CSF_GPU_LATEST_FLUSH_ID', R.CSF_GPU_LATEST_FLUSH_ID, false],
];

/** The per-AS registers, as offsets within one AS block. */
const PER_AS: readonly [string, number, boolean][] = [
  ['AS_TRANSTAB', R.AS_TRANSTAB(0) - R.MMU_AS(0), true],
  ['AS_MEMATTR', R.AS_MEMATTR(0) - R.MMU_AS(0), true],
  ['AS_LOCKADDR', R.AS_LOCKADDR(0) - R.MMU_AS(0), true],
  ['AS_COMMAND', R.AS_COMMAND(0) - R.MMU_AS(0), false],
  ['AS_FAULTSTATUS', R.AS_FAULTSTATUS(0) - R.MMU_AS(0), false],
  ['AS_FAULTADDRESS', R.AS_FAULTADDRESS(0) - R.MMU_AS(0), true],
  ['AS_STATUS', R.AS_STATUS(0) - R.MMU_AS(0), false],
  ['AS_TRANSCFG', R.AS_TRANSCFG(0) - R.MMU_AS(0), true],
  ['AS_FAULTEXTRA', R.AS_FAULTEXTRA(0) - R.MMU_AS(0), true],
];

/** Address spaces the MMU block has room for (16 register blocks of 64 bytes). */
const MAX_AS = 16;

let fixed: Map<number, string> | null = null;

function fixedNames(): Map<number, string> {
  if (fixed !== null) return fixed;
  const m = new Map<number, string>();
  for (const [name, off, wide] of FIXED) {
    m.set(off, name);
    if (wide) m.set(off + 4, `${name}_HI`);
  }
  fixed = m;
  return m;
}

function hex(offset: number): string {
  return `0x${offset.toString(16)}`;
}

/** The name of the register at `offset`, or the offset in hex. */
export function regName(offset: number): string {
  const f = fixedNames().get(offset);
  if (f !== undefined) return f;
  const asBase = R.MMU_AS(0);
  if (offset >= asBase && offset < R.MMU_AS(MAX_AS)) {
    const as = (offset - asBase) >> R.MMU_AS_SHIFT;
    const within = offset - R.MMU_AS(as);
    for (const [name, off, wide] of PER_AS) {
      if (within === off) return `${name}(${as})`;
      if (wide && within === off + 4) return `${name}_HI(${as})`;
    }
    return hex(offset);
  }
  const bellBase = R.CSF_DOORBELL(0);
  if (offset >= bellBase && offset < R.MMIO_SIZE) {
    const stride = R.CSF_DOORBELL(1) - bellBase;
    const bell = Math.floor((offset - bellBase) / stride);
    const within = offset - R.CSF_DOORBELL(bell);
    return within === 0 ? `CSF_DOORBELL(${bell})` : `CSF_DOORBELL(${bell})+${hex(within)}`;
  }
  return hex(offset);
}
