import * as path from 'path';
import type { CampaignResult } from '../campaign/campaign';
import { campaignExitCode } from '../campaign/campaign';
import { reportJson } from '../report/report';
import { outcomeDocument } from '../report/report-document';
import { renderTerminal, terminalOptionsFor } from '../report/render-terminal';
import { BarProgress, PlainProgress } from '../record/progress';
import type { RunEvents } from '../spec';
import type { CliIO } from './io';
import { installStopSignals } from './signals';

/** How a command that trains shows what happens. */
export interface DisplayChoice {
  progress: boolean;
  json: boolean;
}

/** A path as the user would type it: relative to the working directory when inside it. */
export function shown(dir: string): string {
  const rel = path.relative(process.cwd(), dir);
  return rel && !rel.startsWith('..') ? rel : dir;
}

/**
 * Runs campaigns with progress on the terminal and Ctrl-C/SIGTERM stopping them after the
 * current step, prints each one's brief report and how it ended (or JSON with --json), and
 * returns the exit code.
 */
export async function showCampaigns(
  opts: DisplayChoice,
  io: CliIO,
  run: (events: RunEvents, shouldStop: () => boolean) => Promise<CampaignResult[]>,
): Promise<number> {
  const out = opts.json ? io.stderr : io.stdout;
  const tty = out as NodeJS.WriteStream;
  const terminal = terminalOptionsFor(tty);
  const events: RunEvents = opts.progress && tty.isTTY ? new BarProgress(tty) : new PlainProgress(out, terminal.width);
  let stopSignal: NodeJS.Signals | undefined;
  const removeHandlers = installStopSignals((s) => {
    stopSignal = s;
    out.write(`\n${s}: stopping after the current step (again to exit at once)\n`);
  });
  try {
    const results = await run(events, () => stopSignal !== undefined);
    for (const r of results) {
      out.write('\n');
      if (r.report) out.write(renderTerminal(r.report.brief, terminal));
      const armsWithoutEpochs = r.report ? [] : r.runs.flatMap((run) => run.summary.arms.map((a) => ({ name: a.name, status: a.status })));
      out.write(renderTerminal(outcomeDocument({ dir: shown(r.dir), interrupted: r.status === 'interrupted', resumable: r.resumable, armsWithoutEpochs }), terminal));
    }
    if (opts.json) io.stdout.write(JSON.stringify(campaignJson(results), null, 2) + '\n');
    return campaignExitCode(results, stopSignal);
  } finally {
    removeHandlers();
  }
}

/** --json: one run's summary with the report, or every run and the reports. */
function campaignJson(results: readonly CampaignResult[]): unknown {
  const runs = results.flatMap((r) => r.runs);
  const reports = results.flatMap((r) => (r.report ? (reportJson(r.report.groups) as unknown[]) : []));
  if (runs.length === 1) return { ...runs[0].summary, report: reports };
  return { runs: runs.map((r) => r.summary), report: reports };
}
