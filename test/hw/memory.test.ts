import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PhysMem } from '../../src/hw/memory.js';
import { ptePage, pteTable, ptIndex } from '../../src/hw/pte.js';
import { PAGE_SIZE, PTE_READ_ONLY } from '../../src/hw/regs.js';

test('allocPage never returns PA 0, returns zeroed pages, reuses freed pages LIFO', () => {
  const mem = new PhysMem(16 * PAGE_SIZE);
  const a = mem.allocPage();
  const b = mem.allocPage();
  assert.notEqual(a, 0);
  assert.equal(a % PAGE_SIZE, 0);
  assert.equal(mem.allocatedPages, 2);
  mem.write32(a + 8, 0x1234);
  assert.equal(mem.read32(a + 8), 0x1234);
  mem.freePage(a);
  mem.freePage(b);
  assert.equal(mem.isAllocated(a), false);
  // Last freed comes back first, and it is zeroed.
  assert.equal(mem.allocPage(), b);
  const again = mem.allocPage();
  assert.equal(again, a);
  assert.equal(mem.read32(a + 8), 0);
});

test('exhausted memory returns 0; freeing twice is a caller bug', () => {
  const mem = new PhysMem(4 * PAGE_SIZE);
  const pages = [mem.allocPage(), mem.allocPage(), mem.allocPage()];
  assert.ok(pages.every((p) => p !== 0));
  assert.equal(mem.allocPage(), 0);
  mem.freePage(pages[0] as number);
  assert.throws(() => mem.freePage(pages[0] as number), /not an allocated page/);
});

test('accesses to unallocated pages read 0, drop writes and are counted', () => {
  const mem = new PhysMem(8 * PAGE_SIZE);
  const a = mem.allocPage();
  mem.freePage(a);
  mem.write32(a, 7);
  assert.equal(mem.read32(a), 0);
  assert.equal(mem.strayAccesses, 2);
});

test('64-bit and byte accessors', () => {
  const mem = new PhysMem(8 * PAGE_SIZE);
  const a = mem.allocPage();
  const b = mem.allocPage();
  assert.equal(b, a + PAGE_SIZE);
  mem.write64(a + 16, 2 ** 40 + 5);
  assert.equal(mem.read64(a + 16), 2 ** 40 + 5);
  assert.equal(mem.read32(a + 20), 2 ** 8);
  assert.throws(() => mem.write64(a, -1));
  const bytes = Uint8Array.from({ length: 10 }, (_, i) => i + 1);
  mem.writeBytes(a + PAGE_SIZE - 4, bytes); // crosses into the next page
  assert.deepEqual([...mem.readBytes(a + PAGE_SIZE - 4, 10)], [...bytes]);
  assert.equal(mem.read32(b), 0x08070605);
  assert.throws(() => mem.read32(a + 2), /misaligned/);
});

test('page-table entry encoding', () => {
  const t = pteTable(0x5000);
  assert.equal(t.lo & 3, 3);
  const p = ptePage(0x7000, { readOnly: true });
  assert.equal(p.lo & 0xfffff000, 0x7000);
  assert.notEqual(p.lo & PTE_READ_ONLY, 0);
  assert.equal(ptIndex(0x1234_5678_9000, 0), Math.floor(0x1234_5678_9000 / 2 ** 39) % 512);
  assert.equal(ptIndex(0x3000, 3), 3);
  assert.throws(() => ptePage(0x7001));
});
