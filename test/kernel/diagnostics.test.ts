/**
 * The runtime's reports in the kernel's own formats (docs/design.md §2, "Reports"), each from
 * a small program that triggers it, checked line by line: lockdep's circular and recursive
 * splats (kernel/locking/lockdep.c), the hung-task list (kernel/hung_task.c), __might_resched's
 * BUG (kernel/sched/core.c), refcount_warn_saturate with the counter's history
 * (lib/refcount.c), a use after free with where the object was freed, and what was stuck when
 * a liveness bound expired. Reports add lines to a violation; the one-line message and the
 * trace hash do not change (test/layout/golden.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Completion } from '../../src/kernel/completion.js';
import { FenceContext } from '../../src/kernel/fence.js';
import type { Kernel, Lifetime } from '../../src/kernel/kernel.js';
import { Mutex } from '../../src/kernel/mutex.js';
import { REFCOUNT_HISTORY, Refcount } from '../../src/kernel/refcount.js';
import { Spinlock } from '../../src/kernel/spinlock.js';
import { stuckLines } from '../../src/kernel/stuck-report.js';
import type { Violation } from '../../src/kernel/violations.js';
import { Work, Workqueue } from '../../src/kernel/workqueue.js';
import { runWith } from './helpers.js';

function only(vs: readonly Violation[], invariant: string, n = 0): Violation {
  const v = vs.filter((x) => x.invariant === invariant)[n];
  assert.ok(v !== undefined, `a ${invariant} violation (got ${vs.map((x) => x.invariant)})`);
  return v;
}

function lines(v: Violation): string[] {
  assert.ok(v.report !== undefined, `${v.invariant} has a report`);
  return v.report;
}

const MS = 1_000_000;

test('lockdep: an ABBA order is a circular-dependency splat with both edges', async () => {
  const { r } = await runWith((k) => {
    const a = new Mutex(k, 'A');
    const b = new Mutex(k, 'B');
    k.spawn('t1', async () => {
      await a.lock('first [test]');
      await b.lock('second [test]');
      b.unlock();
      a.unlock();
    });
    k.spawn('t2', async () => {
      await k.sleep(MS);
      await b.lock('third [test]');
      await a.lock('fourth [test]');
      a.unlock();
      b.unlock();
    });
  });
  const v = only(r.violations, 'deadlock');
  assert.equal(v.message, 'lock-order cycle: B -> A -> B (in t2)');
  assert.deepEqual(lines(v), [
    '======================================================',
    'WARNING: possible circular locking dependency detected',
    '------------------------------------------------------',
    't2/2 is trying to acquire lock:',
    ' (A), at: fourth [test]',
    '',
    'but task is already holding lock:',
    ' (B), at: third [test]',
    '',
    'which lock already depends on the new lock.',
    '',
    'the existing dependency chain (in reverse order) is:',
    '',
    '-> #1 (B):',
    '       second [test]',
    '       by t1/1 at 0.000000 s, holding:',
    '        #0: (A), at: first [test], 0.000000 s',
    '',
    '-> #0 (A):',
    '       fourth [test]',
    '       by t2/2 at 0.001000 s, holding:',
    '        #0: (B), at: third [test], 0.001000 s',
    '',
    'other info that might help us debug this:',
    '',
    ' Possible unsafe locking scenario:',
    '',
    '       CPU0                    CPU1',
    '       ----                    ----',
    '  lock(B);',
    '                               lock(A);',
    '                               lock(B);',
    '  lock(A);',
    '',
    ' *** DEADLOCK ***',
    '',
    '1 lock held by t2/2:',
    ' #0: (B), at: third [test], 0.001000 s',
  ]);
});

test('lockdep: a longer cycle prints "Chain exists of" and every entry of the chain', async () => {
  const { r } = await runWith((k) => {
    const [a, b, c] = ['A', 'B', 'C'].map((n) => new Mutex(k, n)) as [Mutex, Mutex, Mutex];
    const nest = (name: string, at: number, x: Mutex, y: Mutex) =>
      k.spawn(name, async () => {
        await k.sleep(at * MS);
        await x.lock(`${name}-outer [test]`);
        await y.lock(`${name}-inner [test]`);
        y.unlock();
        x.unlock();
      });
    nest('ab', 0, a, b);
    nest('bc', 1, b, c);
    nest('ca', 2, c, a);
  });
  const l = lines(only(r.violations, 'deadlock'));
  const at = (s: string) => l.indexOf(s);
  assert.ok(at('-> #2 (C):') > 0 && at('-> #1 (B):') > at('-> #2 (C):'), 'reverse order');
  assert.ok(at('-> #0 (A):') > at('-> #1 (B):'));
  assert.equal(l[at('-> #2 (C):') + 1], '       bc-inner [test]');
  assert.equal(l[at('-> #2 (C):') + 2], '       by bc/2 at 0.001000 s, holding:');
  assert.equal(l[at('-> #1 (B):') + 2], '       by ab/1 at 0.000000 s, holding:');
  assert.equal(l[at('Chain exists of:') + 1], '  A --> B --> C');
  const s = at(' Possible unsafe locking scenario:');
  assert.deepEqual(l.slice(s + 4, s + 8), [
    '  lock(C);',
    '                               lock(B);',
    '                               lock(C);',
    '  lock(A);',
  ]);
});

test('lockdep: taking a held class again is the recursive-locking splat', async () => {
  const { r } = await runWith((k) => {
    const a = new Mutex(k, 'A');
    k.spawn('self', async () => {
      await a.lock('outer [test]');
      await a.lock('inner [test]');
    });
  });
  const l = lines(only(r.violations, 'deadlock'));
  assert.deepEqual(l.slice(0, 20), [
    '============================================',
    'WARNING: possible recursive locking detected',
    '--------------------------------------------',
    'self/1 is trying to acquire lock:',
    ' (A), at: inner [test]',
    '',
    'but task is already holding lock:',
    ' (A), at: outer [test]',
    '',
    'other info that might help us debug this:',
    ' Possible unsafe locking scenario:',
    '',
    '       CPU0',
    '       ----',
    '  lock(A);',
    '  lock(A);',
    '',
    ' *** DEADLOCK ***',
    '',
    ' May be due to missing lock nesting notation',
  ]);
});

test('hung task: every blocked task, what it waits for, who holds it, all locks held', async () => {
  const { r } = await runWith((k) => {
    const a = new Mutex(k, 'A');
    const b = new Mutex(k, 'B');
    k.spawn('t1', async () => {
      await a.lock('t1-a [test]');
      await k.sleep(MS);
      await b.lock('t1-b [test]');
    });
    k.spawn('t2', async () => {
      await b.lock('t2-b [test]');
      await k.sleep(2 * MS);
      await a.lock('t2-a [test]');
    });
  });
  const v = only(r.violations, 'deadlock', 1);
  assert.match(v.message, /^every task is blocked with no pending event: t1 \(mutex B\), t2/);
  assert.deepEqual(lines(v), [
    'INFO: task t1:1 blocked for more than 0 seconds.',
    '      blocked since 0.001000 s, 0.001000 s ago',
    'task:t1 state:D pid:1 ctx:process',
    '  waiting for: mutex B',
    '  held by: t2/2 (taken at t2-b [test], 0.000000 s)',
    '1 lock held by t1/1:',
    ' #0: (A), at: t1-a [test], 0.000000 s',
    '',
    'INFO: task t2:2 blocked for more than 0 seconds.',
    '      blocked since 0.002000 s, 0.000000 s ago',
    'task:t2 state:D pid:2 ctx:process',
    '  waiting for: mutex A',
    '  held by: t1/1 (taken at t1-a [test], 0.000000 s)',
    '1 lock held by t2/2:',
    ' #0: (B), at: t2-b [test], 0.000000 s',
    '',
    'Showing all locks held in the system:',
    '  (no other task holds a lock)',
  ]);
});

test('sleeping in atomic context: __might_resched names the spinlock or the context', async () => {
  const { r } = await runWith((k) => {
    const s = new Spinlock(k, 'slots');
    const m = new Mutex(k, 'M');
    k.spawn('worker', async () => {
      await k.sleep(MS);
      await s.lock('spinner [test]');
      await m.lock('sleeper [test]');
      m.unlock();
      s.unlock();
    });
    k.spawn('irq:job', async () => k.sleep(10), { ctx: 'hardirq' });
  });
  const irq = lines(only(r.violations, 'atomic-sleep', 0));
  assert.deepEqual(irq, [
    'BUG: sleeping function called from invalid context at sleep',
    'in_atomic(): 1, irqs_disabled(): 1, non_block: 0, pid: 2, name: irq:job',
    'preempt_count: 10000, expected: 0',
    'no locks held by irq:job/2.',
    'Context: hard IRQ: irq:job is a hard interrupt handler',
  ]);
  const spin = only(r.violations, 'atomic-sleep', 1);
  assert.equal(spin.message, 'worker: mutex_lock(M) sleeps while atomic (spinlock held)');
  assert.deepEqual(lines(spin), [
    'BUG: sleeping function called from invalid context at mutex_lock(M) in sleeper [test]',
    'in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 1, name: worker',
    'preempt_count: 1, expected: 0',
    '1 lock held by worker/1:',
    ' #0: (slots), at: spinner [test], 0.001000 s',
    'Preemption disabled at:',
    ' spinner [test] (spin_lock(slots), 0.001000 s)',
  ]);
});

test('refcount underflow: the WARN line and the bounded get/put history up to the bad put', async () => {
  let ref: Refcount | null = null;
  const { r } = await runWith((k) => {
    const rc = new Refcount(k, 'group7.refs');
    ref = rc;
    k.spawn('owner', async () => {
      for (let i = 0; i < 5; i++) await rc.inc(`get${i} [test]`);
      for (let i = 0; i < 6; i++) await rc.decAndTest(`put${i} [test]`);
      await k.sleep(MS);
      await rc.decAndTest('extra [test]');
    });
  });
  const v = only(r.violations, 'refcount-underflow');
  assert.equal(v.message, 'refcount_t group7.refs: underflow; use-after-free');
  const l = lines(v);
  assert.deepEqual(l.slice(0, 4), [
    '------------[ cut here ]------------',
    'refcount_t: underflow; use-after-free.',
    'WARNING: refcount_t group7.refs at extra [test], task owner/1, 0.001000 s',
    `get/put history of group7.refs (the last ${REFCOUNT_HISTORY} of 12 operations):`,
  ]);
  const history = l.slice(4, -1);
  assert.equal(history.length, REFCOUNT_HISTORY, 'bounded');
  assert.equal(history[history.length - 2], '  0.000000 s  owner/1  put 1 -> 0  at put5 [test]');
  assert.equal(
    history[history.length - 1],
    '  0.001000 s  owner/1  put 0 -> underflow  at extra [test]',
  );
  assert.equal(l[l.length - 1], '---[ end trace ]---');
  assert.equal((ref as Refcount | null)?.peek(), 0, 'saturated, not wrapped');
});

test('use after free: what object, freed by whom, where and when, and where it is used', async () => {
  const { r } = await runWith((k) => {
    const obj: Lifetime = { name: 'vm3', alive: true };
    k.spawn('destroy', async () => {
      await k.sleep(MS);
      k.markFreed(obj, 'vmPut [test]');
    });
    k.spawn('user', async () => {
      await k.sleep(2 * MS);
      k.checkAlive(obj, 'vm map', 'vmMap [test]');
    });
  });
  const v = only(r.violations, 'use-after-free');
  assert.equal(v.message, 'vm map: vm3 used after it was freed');
  assert.deepEqual(lines(v), [
    '='.repeat(66),
    'BUG: use-after-free in vmMap [test]',
    'vm map on vm3 by task user/2 at 0.002000 s',
    '',
    'Freed by task destroy/1 at 0.001000 s:',
    ' vmPut [test]',
    '='.repeat(66),
  ]);
});

test('stuck report: blocked tasks, queued and running works, unsignalled fences', async () => {
  let lines: string[] = [];
  await runWith((k: Kernel) => {
    const never = new Completion(k, 'never');
    const wq = new Workqueue(k, 'slow-wq', 1);
    const ctx = new FenceContext(k, 'ring');
    const fence = ctx.create();
    const blocker = new Work(k, 'blocker.work', async () => {
      await never.wait(-1);
    });
    const queued = new Work(k, 'queued.work', async () => {});
    k.spawn('waiter', async () => {
      await wq.queueWork(blocker);
      await wq.queueWork(queued);
      await fence.wait(-1, 'waitJob [test]');
    });
    k.spawn('checker', async () => {
      await k.sleep(5 * MS);
      lines = stuckLines(k, 'the bound expired');
      k.stop();
    });
  });
  assert.equal(lines[0], 'INFO: the bound expired at 0.005000 s; what was stuck then:');
  assert.ok(
    lines.includes('INFO: task waiter:1 blocked for more than 0 seconds.'),
    lines.join('\n'),
  );
  assert.ok(lines.includes('  waiting for: wait fence ring#1'), lines.join('\n'));
  assert.ok(lines.includes('works queued or running: 2'), lines.join('\n'));
  assert.ok(
    lines.some((l) =>
      /^ {2}blocker\.work: running in slow-wq\/0\/\d+ \(blocked on completion never\)$/.test(l),
    ),
  );
  assert.ok(lines.includes('  queued.work: queued on slow-wq'));
  assert.ok(lines.includes('fences not signalled: 1'));
  assert.ok(lines.includes('  ring#1: created 0.000000 s, 0.005000 s ago'), lines.join('\n'));
});
