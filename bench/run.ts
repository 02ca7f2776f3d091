/**
 * `npm run bench`: runs the benchmarks and writes bench/results/latest.json.
 * (The full suite of issue 7 is assembled in `resetlab bench`; this entry grows with it.)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { kernelMicro } from '../src/bench/kernel-micro.js';

const micro = await kernelMicro();
const result = { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', kernelMicro: micro };
console.log('scheduler micro-benchmark (8 tasks, decision points only):');
console.log(`  random, recording on : ${micro.recordedPerSec.toLocaleString('en')} decisions/s`);
console.log(`  random, recording off: ${micro.unrecordedPerSec.toLocaleString('en')} decisions/s`);
console.log(`  fifo,   recording off: ${micro.fifoPerSec.toLocaleString('en')} decisions/s`);
console.log(`  recording on / off   : ${micro.recordingRatio}`);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/latest.json', JSON.stringify(result, null, 2) + '\n');
