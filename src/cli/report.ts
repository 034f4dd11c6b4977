import type { Command } from 'commander';
import { EXIT } from '../errors';
import { reportJson, reportRunDirs } from '../report/report';
import { renderTerminal, terminalOptionsFor } from '../report/render-terminal';
import type { CliIO } from './io';
import { folderPath } from './options';

export interface ReportCommandOptions {
  target?: string;
  json: boolean;
  plots: boolean;
  out?: string;
}

export function addReportCommand(program: Command, io: CliIO, result: { code: number }): void {
  program
    .command('report')
    .description('summary.md, SVG plots and report.html from finished run folders (repeats and shards are merged)')
    .argument('<run-dir...>', 'run folders, or folders holding them (a repeats group, a sweep)')
    .option('--target <metric=value>', "time-to-target goal, e.g. val_accuracy=0.98 or (a regression) val_mae=0.1 (default: the uniform arm's best val_loss)")
    .option('--out <dir>', 'where to write the report (default: the one folder given, or the folder holding all of them)', folderPath)
    .option('--no-plots', 'skip the SVG plots')
    .option('--json', 'print the report figures as JSON on stdout', false)
    .action(async (dirs: string[], opts: ReportCommandOptions) => {
      result.code = await reportCommand(dirs, opts, io);
    });
}

/** `is-bench report <run-dir>...`: exit 3 when an expectation failed. */
export async function reportCommand(dirs: string[], opts: ReportCommandOptions, io: CliIO): Promise<number> {
  const report = await reportRunDirs(dirs, { target: opts.target, plots: opts.plots, outDir: opts.out });
  const out = opts.json ? io.stderr : io.stdout;
  out.write(renderTerminal(report.brief, terminalOptionsFor(out as NodeJS.WriteStream)));
  if (opts.json) io.stdout.write(JSON.stringify({ report: reportJson(report.groups), files: report.files }, null, 2) + '\n');
  return report.expectationsFailed ? EXIT.expectationFailed : EXIT.ok;
}
