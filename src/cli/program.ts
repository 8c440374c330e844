import { Command } from 'commander';
import { FERRY_VERSION } from '../core/index.js';
import { registerAlertsCommand } from './commands/alerts-command.js'; // alerts
import { registerConfigCommand } from './commands/config-command.js';
import { registerModelsCommand } from './commands/models-command.js';
import { registerMonitorCommand } from './commands/monitor-command.js'; // drift
import { registerMonitorPerformanceCommands } from './commands/monitor-performance-command.js'; // performance
import { registerPredictCommand } from './commands/predict-command.js';
import { registerPredictionsCommand } from './commands/predictions-command.js'; // monitoring
import { registerServeCommands } from './commands/serve-command.js';

/** The `ferry` command line. */
export function buildProgram(): Command {
  const program = new Command('ferry')
    .description('Ferry: a model registry and an Open Inference Protocol server for ONNX models')
    .version(FERRY_VERSION)
    .option(
      '--server <url>',
      'talk to a running Ferry server (env FERRY_URL); otherwise use the data folder directly',
    )
    .option('--data-dir <dir>', 'data folder (default ./.ferry; env FERRY_DATA_DIR)')
    .option('--database <url>', 'database URL: sqlite:<path> or postgres://… (env FERRY_DATABASE_URL)')
    .option('--config <file>', 'YAML config file (default ./ferry.yaml when present)')
    .option('--json', 'print JSON for scripts instead of tables')
    .showHelpAfterError()
    .enablePositionalOptions(false);
  registerServeCommands(program);
  registerModelsCommand(program);
  registerPredictCommand(program);
  registerPredictionsCommand(program); // monitoring (src/monitoring): predictions list|export, feedback
  registerAlertsCommand(program); // alerts (src/monitoring/alerts): alerts list|history|rules
  registerMonitorCommand(program); // drift (src/monitoring/drift): monitor drift|reference
  registerMonitorPerformanceCommands(program); // performance and fairness: monitor performance|fairness
  registerConfigCommand(program);
  return program;
}
