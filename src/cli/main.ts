/**
 * The `resetlab` command line. Commands grow with the model; see README.md.
 */
import { Command } from 'commander';
import { runtimeDemo } from './runtime-demo.js';

const program = new Command();
program
  .name('resetlab')
  .description(
    'Explore GPU reset-and-recovery designs on a deterministic model of the Linux DRM stack.',
  )
  .version('0.1.0');

program
  .command('demo')
  .description('Run the built-in demonstration (the main job; also `npm start`).')
  .action(async () => {
    await runtimeDemo();
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(2);
});
