import type { Command } from 'commander';
import { stringify } from 'yaml';
import { configFrom, type TargetOptions } from '../api-target.js';
import { printJson, type OutputOptions } from '../output.js';

/** `ferry config print`: the configuration in effect after file, environment and flags. */
export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description('inspect the configuration');
  config
    .command('print')
    .description('print the configuration in effect (defaults < ferry.yaml/--config < FERRY_* env < flags)')
    .action((_options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<TargetOptions & OutputOptions>();
      const resolved = configFrom(globals);
      if (globals.json) printJson(resolved);
      else process.stdout.write(stringify(resolved));
    });
}
