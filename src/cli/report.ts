import * as path from 'path';
import type { Command } from 'commander';
import { EXIT } from '../errors';
import { formatExpectationTable } from '../report/expectations';
import { reportJson, reportRunDirs } from '../report/report';
import { formatReproduction } from '../report/reproduction';
import type { CliIO } from './io';

export interface ReportCommandOptions {
  target?: string;
  json: boolean;
  plots: boolean;
}

export function addReportCommand(program: Command, io: CliIO, result: { code: number }): void {
  program
    .command('report')
    .description('summary.md, SVG plots and report.html from finished run folders (repeats and shards are merged)')
    .argument('<run-dir...>', 'run folders, or folders holding them (a repeats group, a sweep)')
    .option('--target <metric=value>', "time-to-target goal, e.g. val_accuracy=0.98 (default: the uniform arm's best val_loss)")
    .option('--no-plots', 'skip the SVG plots')
    .option('--json', 'print the report figures as JSON on stdout', false)
    .action(async (dirs: string[], opts: ReportCommandOptions) => {
      result.code = await reportCommand(dirs, opts, io);
    });
}

/** `is-bench report <run-dir>...`: writes the report into the first folder; exit 3 when an expectation failed. */
export async function reportCommand(dirs: string[], opts: ReportCommandOptions, io: CliIO): Promise<number> {
  const report = await reportRunDirs(dirs, { target: opts.target, plots: opts.plots });
  const out = opts.json ? io.stderr : io.stdout;
  for (const g of report.groups) {
    out.write(g.headlines.join('\n') + '\n');
    if (g.expectations.length) out.write('\n' + formatExpectationTable(g.expectations) + '\n');
    if (g.reproduction) out.write('\n' + formatReproduction(g.reproduction.setup, g.reproduction.ours, g.reproduction.verdicts) + '\n');
  }
  out.write(`\nWrote ${report.files.map((f) => path.relative(process.cwd(), f) || f).join(', ')}\n`);
  if (opts.json) io.stdout.write(JSON.stringify({ report: reportJson(report.groups), files: report.files }, null, 2) + '\n');
  return report.expectationsFailed ? EXIT.expectationFailed : EXIT.ok;
}
