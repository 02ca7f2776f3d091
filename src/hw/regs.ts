/**
 * Register offsets and bit fields of the virtual Mali CSF GPU. No logic lives here, as Panthor
 * keeps `panthor_regs.h` apart from the code.
 *
 * Names and offsets follow the kernel's `panthor_regs.h` and `panthor_fw.h` so that a driver
 * developer reads familiar names in traces. Where resetlab adds something the real CSF GPU
 * does not expose the same way (the Panfrost-style performance-counter block, the command
 * stream instruction set, the page-table entry layout), the comment says "resetlab:".
 */

// ---------------------------------------------------------------------------------------------
// GPU control

export const GPU_ID = 0x0;
export const GPU_L2_FEATURES = 0x4;
export const GPU_CORE_FEATURES = 0x8;
export const GPU_TILER_FEATURES = 0xc;
export const GPU_MEM_FEATURES = 0x10;
export const GPU_MMU_FEATURES = 0x14;
export const GPU_AS_PRESENT = 0x18;
export const GPU_CSF_ID = 0x1c;

export const GPU_INT_RAWSTAT = 0x20;
export const GPU_INT_CLEAR = 0x24;
export const GPU_INT_MASK = 0x28;
export const GPU_INT_STAT = 0x2c;
export const GPU_IRQ_FAULT = 1 << 0;
export const GPU_IRQ_PROTM_FAULT = 1 << 1;
export const GPU_IRQ_RESET_COMPLETED = 1 << 8;
export const GPU_IRQ_POWER_CHANGED = 1 << 9;
export const GPU_IRQ_POWER_CHANGED_ALL = 1 << 10;
/** resetlab: the Panfrost-style perf-counter sample-done interrupt. */
export const GPU_IRQ_PRFCNT_SAMPLE_COMPLETED = 1 << 16;
export const GPU_IRQ_CLEAN_CACHES_COMPLETED = 1 << 17;
export const GPU_IRQ_MCU_STATUS_CHANGED = 1 << 19;

export const GPU_CMD = 0x30;
/** GPU_CMD_DEF(type, payload) = type | payload << 8. */
export const GPU_SOFT_RESET = 1 | (1 << 8);
export const GPU_HARD_RESET = 1 | (2 << 8);
/** GPU_FLUSH_CACHES(l2, lsc, other): type 4. */
export const GPU_CMD_FLUSH_CACHES_TYPE = 4;
export const CACHE_CLEAN = 1 << 0;
export const CACHE_INV = 1 << 1;
/** resetlab: perf-counter commands, type 3 (Panfrost's PERFCNT_SAMPLE / PERFCNT_CLEAR). */
export const GPU_PRFCNT_SAMPLE = 3 | (1 << 8);
export const GPU_PRFCNT_CLEAR = 3 | (2 << 8);

export const GPU_STATUS = 0x34;
export const GPU_STATUS_ACTIVE = 1 << 0;
export const GPU_STATUS_PWR_ACTIVE = 1 << 1;
export const GPU_STATUS_PAGE_FAULT = 1 << 4;

export const GPU_FAULT_STATUS = 0x3c;
export const GPU_FAULT_ADDR = 0x40;

/** resetlab: Panfrost-style performance-counter block (Midgard/Bifrost register layout). */
export const PRFCNT_BASE_LO = 0x60;
export const PRFCNT_BASE_HI = 0x64;
export const PRFCNT_CONFIG = 0x68;
export const PRFCNT_CONFIG_MODE_OFF = 0;
export const PRFCNT_CONFIG_MODE_MANUAL = 1;
/** PRFCNT_CONFIG bits 4..7: the address space the samples are written through. */
export const PRFCNT_CONFIG_AS_SHIFT = 4;
export const PRFCNT_CONFIG_AS_MASK = 0xf << 4;
export const PRFCNT_JM_EN = 0x6c;
export const PRFCNT_SHADER_EN = 0x70;
export const PRFCNT_TILER_EN = 0x74;
export const PRFCNT_MMU_L2_EN = 0x7c;
/** resetlab: counter blocks written by a sample: CSF/JM, tiler, MMU/L2, then one per shader core. */
export const PRFCNT_COUNTERS_PER_BLOCK = 64;
export const PRFCNT_BLOCK_BYTES = PRFCNT_COUNTERS_PER_BLOCK * 4;

export const GPU_TIMESTAMP_OFFSET = 0x88;
export const GPU_CYCLE_COUNT = 0x90;
export const GPU_TIMESTAMP = 0x98;

export const GPU_SHADER_PRESENT = 0x100;
export const GPU_TILER_PRESENT = 0x110;
export const GPU_L2_PRESENT = 0x120;

export const SHADER_READY = 0x140;
export const TILER_READY = 0x150;
export const L2_READY = 0x160;

export const SHADER_PWRON = 0x180;
export const TILER_PWRON = 0x190;
export const L2_PWRON = 0x1a0;

export const SHADER_PWROFF = 0x1c0;
export const TILER_PWROFF = 0x1d0;
export const L2_PWROFF = 0x1e0;

export const SHADER_PWRTRANS = 0x200;
export const TILER_PWRTRANS = 0x210;
export const L2_PWRTRANS = 0x220;

export const MCU_CONTROL = 0x700;
export const MCU_CONTROL_DISABLE = 0;
export const MCU_CONTROL_ENABLE = 1;
export const MCU_CONTROL_AUTO = 2;

export const MCU_STATUS = 0x704;
export const MCU_STATUS_DISABLED = 0;
export const MCU_STATUS_ENABLED = 1;
export const MCU_STATUS_HALT = 2;
export const MCU_STATUS_FATAL = 3;

// ---------------------------------------------------------------------------------------------
// Job (CSF) interrupts

export const JOB_INT_RAWSTAT = 0x1000;
export const JOB_INT_CLEAR = 0x1004;
export const JOB_INT_MASK = 0x1008;
export const JOB_INT_STAT = 0x100c;
export const JOB_INT_GLOBAL_IF = 1 << 31;
export function JOB_INT_CSG_IF(slot: number): number {
  return 1 << slot;
}

// ---------------------------------------------------------------------------------------------
// MMU

export const MMU_INT_RAWSTAT = 0x2000;
export const MMU_INT_CLEAR = 0x2004;
export const MMU_INT_MASK = 0x2008;
export const MMU_INT_STAT = 0x200c;
/** MMU_INT bit for a page fault on address space `as`. */
export function MMU_PAGE_FAULT(as: number): number {
  return 1 << as;
}
/** MMU_INT bit for a bus error on address space `as`. */
export function MMU_BUS_ERROR(as: number): number {
  return 1 << (as + 16);
}

export const MMU_BASE = 0x2400;
export const MMU_AS_SHIFT = 6;
export function MMU_AS(as: number): number {
  return MMU_BASE + (as << MMU_AS_SHIFT);
}
/** 64-bit registers are two 32-bit halves: `_LO` at the offset, `_HI` at offset + 4. */
export function AS_TRANSTAB(as: number): number {
  return MMU_AS(as) + 0x0;
}
export function AS_MEMATTR(as: number): number {
  return MMU_AS(as) + 0x8;
}
export function AS_LOCKADDR(as: number): number {
  return MMU_AS(as) + 0x10;
}
export function AS_COMMAND(as: number): number {
  return MMU_AS(as) + 0x18;
}
export function AS_FAULTSTATUS(as: number): number {
  return MMU_AS(as) + 0x1c;
}
export function AS_FAULTADDRESS(as: number): number {
  return MMU_AS(as) + 0x20;
}
export function AS_STATUS(as: number): number {
  return MMU_AS(as) + 0x28;
}
export function AS_TRANSCFG(as: number): number {
  return MMU_AS(as) + 0x30;
}
export function AS_FAULTEXTRA(as: number): number {
  return MMU_AS(as) + 0x38;
}

export const AS_COMMAND_NOP = 0;
export const AS_COMMAND_UPDATE = 1;
export const AS_COMMAND_LOCK = 2;
export const AS_COMMAND_UNLOCK = 3;
export const AS_COMMAND_FLUSH_PT = 4;
export const AS_COMMAND_FLUSH_MEM = 5;

export const AS_STATUS_AS_ACTIVE = 1 << 0;

export const AS_FAULTSTATUS_ACCESS_TYPE_MASK = 0x3 << 8;
export const AS_FAULTSTATUS_ACCESS_TYPE_ATOMIC = 0x0 << 8;
export const AS_FAULTSTATUS_ACCESS_TYPE_EX = 0x1 << 8;
export const AS_FAULTSTATUS_ACCESS_TYPE_READ = 0x2 << 8;
export const AS_FAULTSTATUS_ACCESS_TYPE_WRITE = 0x3 << 8;

export const AS_TRANSCFG_ADRMODE_UNMAPPED = 1 << 0;
export const AS_TRANSCFG_ADRMODE_IDENTITY = 2 << 0;
export const AS_TRANSCFG_ADRMODE_AARCH64_4K = 6 << 0;
export const AS_TRANSCFG_ADRMODE_MASK = 0xf;

// ---------------------------------------------------------------------------------------------
// Doorbells and flush id

export const CSF_GPU_LATEST_FLUSH_ID = 0x10000;
export function CSF_DOORBELL(i: number): number {
  return 0x80000 + i * 0x10000;
}
export const CSF_GLB_DOORBELL_ID = 0;
/** The size of the MMIO window (the last doorbell page ends below it). */
export const MMIO_SIZE = 0x80000 + 64 * 0x10000;

// ---------------------------------------------------------------------------------------------
// Exception types (CS_EXCEPTION_TYPE, AS_FAULTSTATUS low byte), as in panthor_device.h

export const Exception = {
  OK: 0x00,
  TERMINATED: 0x04,
  KABOOM: 0x05,
  EUREKA: 0x06,
  ACTIVE: 0x08,
  CS_RES_TERM: 0x0f,
  CS_CONFIG_FAULT: 0x40,
  CS_UNRECOVERABLE: 0x41,
  CS_ENDPOINT_FAULT: 0x44,
  CS_BUS_FAULT: 0x48,
  CS_INSTR_INVALID: 0x49,
  CS_CALL_STACK_OVERFLOW: 0x4a,
  INSTR_INVALID_PC: 0x50,
  INSTR_INVALID_ENC: 0x51,
  DATA_INVALID_FAULT: 0x58,
  OOM: 0x60,
  CSF_FW_INTERNAL_ERROR: 0x68,
  CSF_RES_EVICTION_TIMEOUT: 0x69,
  GPU_BUS_FAULT: 0x80,
  TRANSLATION_FAULT_0: 0xc0,
  PERM_FAULT_0: 0xc8,
} as const;

// ---------------------------------------------------------------------------------------------
// Firmware interface bits (panthor_fw.h). The interface structures are in `fw-iface.ts`.

export const GLB_HALT = 1 << 0;
export const GLB_CFG_PROGRESS_TIMER = 1 << 1;
/** GLB_PROGRESS_TIMER counts units of 2^10 = 1024 GPU cycles. */
export const GLB_PROGRESS_TIMER_UNIT_SHIFT = 10;
export const GLB_CFG_ALLOC_EN = 1 << 2;
export const GLB_CFG_POWEROFF_TIMER = 1 << 3;
export const GLB_PROTM_ENTER = 1 << 4;
export const GLB_PERFCNT_EN = 1 << 5;
export const GLB_PERFCNT_SAMPLE = 1 << 6;
export const GLB_COUNTER_EN = 1 << 7;
export const GLB_PING = 1 << 8;
export const GLB_FWCFG_UPDATE = 1 << 9;
export const GLB_IDLE_EN = 1 << 10;
export const GLB_SLEEP = 1 << 12;
export const GLB_IDLE = 1 << 26;
export const GLB_REQ_MASK = 0x7ff;
export const GLB_EVT_MASK = 0x7f << 20;

export const CSG_STATE_MASK = 0x7;
export const CSG_STATE_TERMINATE = 0;
export const CSG_STATE_START = 1;
export const CSG_STATE_SUSPEND = 2;
export const CSG_STATE_RESUME = 3;
export const CSG_ENDPOINT_CONFIG = 1 << 4;
export const CSG_STATUS_UPDATE = 1 << 5;
export const CSG_SYNC_UPDATE = 1 << 28;
export const CSG_IDLE = 1 << 29;
export const CSG_DOORBELL = 1 << 30;
export const CSG_PROGRESS_TIMER_EVENT = 1 << 31;
export const CSG_REQ_MASK = CSG_STATE_MASK | CSG_ENDPOINT_CONFIG | CSG_STATUS_UPDATE;
export const CSG_EVT_MASK = CSG_SYNC_UPDATE | CSG_IDLE | CSG_PROGRESS_TIMER_EVENT;
export const CSG_STATUS_STATE_IS_IDLE = 1 << 0;

export const CS_STATE_MASK = 0x7;
export const CS_STATE_STOP = 0;
export const CS_STATE_START = 1;
export const CS_EXTRACT_EVENT = 1 << 4;
export const CS_IDLE_SYNC_WAIT = 1 << 8;
export const CS_IDLE_EMPTY = 1 << 10;
export const CS_TILER_OOM = 1 << 26;
export const CS_PROTM_PENDING = 1 << 27;
export const CS_FATAL = 1 << 30;
export const CS_FAULT = 1 << 31;
export const CS_REQ_MASK = CS_STATE_MASK | CS_EXTRACT_EVENT | CS_IDLE_SYNC_WAIT | CS_IDLE_EMPTY;
export const CS_EVT_MASK = CS_TILER_OOM | CS_PROTM_PENDING | CS_FATAL | CS_FAULT;

export const CS_STATUS_BLOCKED_REASON_UNBLOCKED = 0;
export const CS_STATUS_BLOCKED_REASON_SYNC_WAIT = 3;
/** CS_STATUS_WAIT fields (panthor_fw.h, struct panthor_fw_cs_output_iface). */
export const CS_STATUS_WAIT_SYNC_COND_LE = 0 << 24;
export const CS_STATUS_WAIT_SYNC_COND_GT = 1 << 24;
export const CS_STATUS_WAIT_SYNC_COND_MASK = 0xf << 24;
export const CS_STATUS_WAIT_SYNC_64B = 1 << 30;
export const CS_STATUS_WAIT_SYNC = 1 << 31;

export const PANTHOR_FW_HALT_OK = 0;
export const PANTHOR_FW_HALT_ON_PANIC = 0x4e;
export const PANTHOR_FW_HALT_ON_WATCHDOG_EXPIRATION = 0x4f;

// ---------------------------------------------------------------------------------------------
// resetlab: page-table entries. AArch64 4K-granule, 4 levels of 512 entries, 48-bit VAs.
// Each entry is 64 bits stored as two little-endian u32 words (lo at +0, hi at +4). Simulated
// physical memory is below 4 GiB, so a physical address fits in bits 12..31 of the lo word.

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PT_LEVELS = 4;
export const PT_ENTRIES = 512;
export const PT_LEVEL_SHIFT = [39, 30, 21, 12] as const;
export const VA_BITS = 48;
/** lo word: bit 0 valid. */
export const PTE_VALID = 1 << 0;
/** lo word: bit 1 set for a table (levels 0-2) or a page (level 3) descriptor. */
export const PTE_TABLE_OR_PAGE = 1 << 1;
/** lo word: AP[2], the entry is read-only. */
export const PTE_READ_ONLY = 1 << 7;
/** lo word: access flag; must be set on pages. */
export const PTE_AF = 1 << 10;
/** lo word: bits 12..31 hold the physical address of the next table or of the page. */
export const PTE_ADDR_MASK = 0xfffff000;
/** hi word: bit 22 (bit 54 of the entry), execute never. */
export const PTE_HI_XN = 1 << 22;

// ---------------------------------------------------------------------------------------------
// resetlab: the firmware image in the MCU address space (AS0).

/** The firmware's code section: must hold FW_IMAGE_MAGIC at MCU VA 0 for the MCU to boot. */
export const FW_CODE_VA = 0x0;
export const FW_IMAGE_MAGIC = 0x4d414c49; // 'MALI'
/** The firmware's data section: FW_DATA_CLEAN when loaded or halted cleanly, dirty otherwise. */
export const FW_DATA_VA = 0x1000;
export const FW_DATA_CLEAN = 0x600d;
export const FW_DATA_DIRTY = 0xbad0;

// ---------------------------------------------------------------------------------------------
// resetlab: firmware interface fields that panthor_fw.h expresses as macros.

/** CS_CONFIG_PRIORITY(x): bits 0..3 of `cs.input.config`. */
export function CS_CONFIG_PRIORITY(x: number): number {
  return x & 0xf;
}
/** CS_CONFIG_DOORBELL(x): bits 8..15 of `cs.input.config`, the stream's doorbell page. */
export function CS_CONFIG_DOORBELL(x: number): number {
  return (x & 0xff) << 8;
}
/** Extracts the doorbell id from `cs.input.config`. */
export function CS_CONFIG_DOORBELL_ID(config: number): number {
  return (config >>> 8) & 0xff;
}
/** resetlab: bits 0..3 of `csg.input.config` select the AS slot of the group's VM. */
export const CSG_CONFIG_AS_MASK = 0xf;
/** CSF_IFACE_VERSION(major, minor, patch), as advertised in `glb.control.version`. */
export function CSF_IFACE_VERSION(major: number, minor: number, patch: number): number {
  return ((major & 0xff) << 24) | ((minor & 0xff) << 16) | (patch & 0xffff);
}
/** The interface version the virtual firmware advertises. */
export const RESETLAB_FW_IFACE_VERSION = CSF_IFACE_VERSION(1, 1, 0);
/** Bytes the firmware asks the host to reserve per CSG suspend buffer (`csg.control.suspendSize`). */
export const CSG_SUSPEND_BUF_SIZE = 4096;

// ---------------------------------------------------------------------------------------------
// resetlab: the CSG suspend-buffer header the firmware writes through AS0 on SUSPEND.
// Word offsets in bytes from `csg.input.suspendBuf`. The saved stream state itself is kept by
// the model, keyed by the header's physical address; RESUME accepts it only when the header in
// memory still carries the magic and the token of that save.

export const SUSPEND_HDR_MAGIC_OFF = 0x0;
export const SUSPEND_HDR_TOKEN_OFF = 0x4;
export const SUSPEND_HDR_STREAMS_OFF = 0x8;
export const SUSPEND_HDR_SLOT_OFF = 0xc;
export const SUSPEND_MAGIC = 0x53555350; // 'SUSP'

// ---------------------------------------------------------------------------------------------
// resetlab: tiler heap context. HEAP_SET points a stream at one of these in the group's VM.
// The stream caches it while it runs; the firmware writes the cached copy back on CSG suspend
// (source 'fw-heap') and before raising CS_TILER_OOM. The host grows a heap by answering the
// OOM event with `cs.input.heapStart/heapEnd` = [start, end) of a new chunk (heapStart 0 means
// "no memory": the stream gets CS_FATAL with exception OOM). Must be 8-byte aligned.

/** u64: GPU VA of the chunk being filled (0: no chunk yet; the first HEAP_ALLOC raises OOM). */
export const HEAP_CTX_CHUNK_VA = 0x0;
/** u32: bytes used in the current chunk. */
export const HEAP_CTX_USED = 0x8;
/** u32: size in bytes of the current chunk. */
export const HEAP_CTX_CHUNK_SIZE = 0xc;
/** u32: chunks handed to this heap by the host so far. */
export const HEAP_CTX_CHUNKS = 0x10;
/** u32: how many times the firmware wrote this context back (suspend and OOM write-backs). */
export const HEAP_CTX_WRITEBACKS = 0x14;
export const HEAP_CTX_SIZE = 0x20;

// ---------------------------------------------------------------------------------------------
// resetlab: the performance-counter sample written by GPU_PRFCNT_SAMPLE at PRFCNT_BASE (in the
// AS selected by PRFCNT_CONFIG). Blocks of PRFCNT_COUNTERS_PER_BLOCK u32 counters, in order:
// block 0 CSF front-end, block 1 tiler, block 2 MMU/L2, then one block per present shader core
// (ascending core number). Counters are 32-bit and wrap. Counters 0..3 of every block are a
// header, always written; counter i >= 4 is written when bit (i >> 2) of the block's enable
// register (PRFCNT_JM_EN / _TILER_EN / _MMU_L2_EN / _SHADER_EN) is set, and 0 otherwise.

export const PRFCNT_BLOCK_CSF = 0;
export const PRFCNT_BLOCK_TILER = 1;
export const PRFCNT_BLOCK_MMU_L2 = 2;
export const PRFCNT_BLOCK_SHADER0 = 3;
/** Header: sample sequence number since the last reset or power-on. */
export const PRFCNT_HDR_SEQ = 0;
/** Header: the block kind (0 CSF, 1 tiler, 2 MMU/L2, 3 shader core). */
export const PRFCNT_HDR_KIND = 1;
/** Header: the enable mask in effect for this block. */
export const PRFCNT_HDR_ENABLE = 2;
/** Header: the block's index among blocks of its kind (the shader core number). */
export const PRFCNT_HDR_INDEX = 3;
/** CSF block: GPU active cycles (RUN time; the model's clock is 1 GHz, so ns). */
export const PRFCNT_CSF_CYCLES = 4;
export const PRFCNT_CSF_INSTRUCTIONS = 5;
export const PRFCNT_CSF_SYNC_OPS = 6;
export const PRFCNT_CSF_DOORBELLS = 7;
/** Tiler block. */
export const PRFCNT_TILER_BYTES = 4;
export const PRFCNT_TILER_ALLOCS = 5;
export const PRFCNT_TILER_OOMS = 6;
/** MMU/L2 block. */
export const PRFCNT_MMU_TRANSLATIONS = 4;
export const PRFCNT_MMU_TLB_MISSES = 5;
export const PRFCNT_L2_READS = 6;
export const PRFCNT_L2_WRITES = 7;
export const PRFCNT_MMU_FAULTS = 8;
/** Shader-core block: this core's share of the active cycles. */
export const PRFCNT_SHADER_CYCLES = 4;
