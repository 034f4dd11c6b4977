import { Command, CommanderError } from 'commander';
import { experimentToYaml, loadExperiment } from '../config/load';
import { EXIT, isUserError } from '../errors';
import { processIO, type CliIO } from './io';
import { catalogueText } from '../config/catalogue';
import { modelSourceLines } from '../config/model-description';
import { armList, nonNegativeInt, positiveInt } from './options';
import { addDatasetsCommand } from './datasets';
import { addReportCommand } from './report';
import { addReproduceCommand } from './reproduce';
import { addResumeCommand } from './resume';
import { addSweepCommand } from './sweep';
import { addRunOptions, runCommand, type RunCommandOptions } from './run';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const VERSION = (require('../../package.json') as { version: string }).version;

/** Builds the commander program; each action stores its exit code in `result`. */
export function buildProgram(io: CliIO, result: { code: number }): Command {
  const program = new Command('is-bench')
    .description(
      'Does importance sampling (or another batch-selection strategy) make training faster? Trains the same ' +
        'model from the same initial weights under each strategy, side by side, and writes per-epoch CSVs.',
    )
    .version(VERSION, '-V, --version')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride()
    // extra positional arguments are an error, not silently dropped (subcommands inherit this)
    .allowExcessArguments(false)
    // options after a subcommand belong to it (run, config, ...), not to the default command
    .enablePositionalOptions();

  addRunOptions(program.argument('[experiment]', 'a built-in experiment name or a .yaml/.yml/.json file')).action(
    async (experiment: string | undefined, opts: RunCommandOptions) => {
      if (!experiment) {
        program.outputHelp();
        return;
      }
      result.code = await runCommand(experiment, opts, io);
    },
  );

  addRunOptions(program.command('run').description('run an experiment from a config file (or a built-in name)').argument('<file>', '.yaml/.yml/.json config')).action(
    async (file: string, opts: RunCommandOptions) => {
      result.code = await runCommand(file, opts, io);
    },
  );

  program
    .command('list')
    .description('list built-in experiments, models, datasets and strategies')
    .action(() => {
      io.stdout.write(catalogueText() + '\n');
    });

  program
    .command('config')
    .description('print the fully resolved config (defaults filled in) as YAML')
    .argument('<experiment>', 'a built-in experiment name or a config file')
    .option('--epochs <n>', 'number of epochs', positiveInt)
    .option('--batch-size <n>', 'batch size', positiveInt)
    .option('--seed <n>', 'random seed', nonNegativeInt)
    .option('--limit <n>', 'use only the first N training samples', positiveInt)
    .option('--arms <a,b>', 'keep only these arms', armList)
    .action((experiment: string, opts: { epochs?: number; batchSize?: number; seed?: number; limit?: number; arms?: string[] }) => {
      const { config } = loadExperiment(experiment, opts);
      io.stdout.write(modelSourceLines(config).join('\n') + '\n' + experimentToYaml(config));
    });

  addResumeCommand(program, io, result);
  addDatasetsCommand(program, io);
  addReportCommand(program, io, result);
  addReproduceCommand(program, io, result);
  addSweepCommand(program, io, result);

  return program;
}

/** Runs the CLI; returns the exit code. User errors: message only, code 2; bugs: stack, code 1. */
export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  const result = { code: EXIT.ok as number };
  const program = buildProgram(io, result);
  try {
    await program.parseAsync(argv);
    return result.code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0) return EXIT.ok;
      return EXIT.userError; // commander already printed the message
    }
    if (isUserError(e)) {
      io.stderr.write(`is-bench: ${e.message}\n`);
      return e.exitCode;
    }
    io.stderr.write(`is-bench: internal error (a bug; please report it with the command line)\n${(e as Error).stack ?? String(e)}\n`);
    return EXIT.bug;
  }
}
