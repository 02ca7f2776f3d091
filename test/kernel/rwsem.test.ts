import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RwSemaphore } from '../../src/kernel/rwsem.js';
import { has, overSeeds, runWith } from './helpers.js';

test('rwsem: readers share, the writer is exclusive', async () => {
  let readersTogether = false;
  let violated = false;
  const rs = await overSeeds(30, (k) => {
    const sem = new RwSemaphore(k, 'gate');
    let readers = 0;
    let writers = 0;
    for (let i = 0; i < 3; i++) {
      k.spawn(`reader${i}`, async () => {
        await sem.downRead();
        readers++;
        if (readers > 1) readersTogether = true;
        if (writers > 0) violated = true;
        await k.sleep(10);
        readers--;
        sem.upRead();
      });
    }
    k.spawn('writer', async () => {
      await sem.downWrite();
      writers++;
      if (readers > 0 || writers > 1) violated = true;
      await k.point();
      writers--;
      sem.upWrite();
    });
  });
  assert.equal(violated, false);
  assert.equal(readersTogether, true);
  for (const r of rs) assert.deepEqual(r.violations, []);
});

test('rwsem: down_read_trylock fails while a writer waits (the gate closes only then)', async () => {
  const seen: Array<[string, boolean]> = [];
  const { r } = await runWith((k) => {
    const sem = new RwSemaphore(k, 'reset.gate');
    k.spawn('ioctl', async () => {
      await sem.downRead();
      await k.sleep(100);
      sem.upRead();
    });
    k.spawn('reset', async () => {
      await k.sleep(10);
      await sem.downWrite();
      await k.sleep(10);
      sem.upWrite();
    });
    k.spawn('late-ioctl', async () => {
      seen.push(['before the writer waits', await sem.downReadTrylock()]);
      sem.upRead();
      await k.sleep(50);
      seen.push(['while the writer waits', await sem.downReadTrylock()]);
      await k.sleep(200);
      const ok = await sem.downReadTrylock();
      seen.push(['after the writer is done', ok]);
      if (ok) sem.upRead();
    });
  });
  assert.deepEqual(seen, [
    ['before the writer waits', true],
    ['while the writer waits', false],
    ['after the writer is done', true],
  ]);
  assert.deepEqual(r.violations, []);
});

test('rwsem: recursive read with a waiting writer deadlocks and is reported', async () => {
  const { r } = await runWith((k) => {
    const sem = new RwSemaphore(k, 'sem');
    k.spawn('reader', async () => {
      await sem.downRead();
      await k.sleep(10);
      await sem.downRead();
      sem.upRead();
      sem.upRead();
    });
    k.spawn('writer', async () => {
      await k.sleep(5);
      await sem.downWrite();
      sem.upWrite();
    });
  });
  assert.ok(has(r, 'deadlock'));
});
