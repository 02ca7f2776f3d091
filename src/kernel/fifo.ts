/**
 * FIFO: always run the task that became runnable first, never fire a timed event early. At a
 * decision point the yielding task goes to the back of the queue, so this is round robin at
 * decision points. It is the "free run" baseline of the benchmarks.
 */
import type { Strategy } from './strategy.js';

export function fifoStrategy(): Strategy {
  return {
    name: 'fifo',
    timeJumps: false,
    start() {},
    onSpawn() {},
    pick() {
      return 0;
    },
  };
}
