/**
 * `npm run reproductions -- <setup> [--seeds N] [--backend B] [--parallel]`: the committed
 * reproductions of the reference page. Runs `is-bench reproduce <setup> --repeats N` (resuming the
 * group when its folder already exists, so an interrupted batch continues), then copies the report
 * and the run folders (CSVs and summary.json of every seed; no checkpoints) into
 * docs/reproductions/<setup>/ with a README that says how it was made. A long job, not a test.
 *
 * `--parallel` runs the seeds at once instead, one `is-bench reproduce <setup> --seed s` process per
 * seed with one BLAS thread each (meant for as many seeds as cores), and assembles their run folders
 * into a repeats group before reporting. The arms of a seed still alternate epoch by epoch in one
 * process, so their time ratios stay paired; absolute times are those of a machine whose every core
 * is busy. Calling it again resumes each unfinished seed.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { reproduce, reproductionSetups, resumeCampaign } from '../src/campaign/campaign';
import { isRepeatsGroup } from '../src/campaign/repeats-group';
import { loadExperiment } from '../src/config/load';
import { readRunSummary, type RunSummary } from '../src/record/run-summary';
import type { BackendChoice } from '../src/engine/backend';
import { PlainProgress } from '../src/record/progress';
import { renderTerminal } from '../src/report/render-terminal';
import { reportRunDirs } from '../src/report/report';
import { copyRuns, foldersOf, runSeedsAtOnce } from './lib/seeds-at-once';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const ROOT = path.resolve(__dirname, '..');

/** The group folder of `--repeats seeds`, run (or resumed) in this process. */
async function runSeedsInTurn(setup: string, seeds: number, backend: BackendChoice, work: string): Promise<string> {
  const events = new PlainProgress(process.stderr);
  const out = path.join(work, `${setup}-${seeds}-seeds`);
  // an unfinished group of an earlier call is continued, not started again
  const earlier = foldersOf(out, setup).find((g) => isRepeatsGroup(g));
  const result = earlier ? await resumeCampaign(earlier, { backend, events }) : (await reproduce([setup], { backend, out, repeats: seeds, events }))[0];
  if (result.status !== 'finished') throw new Error(`${setup}: the runs did not finish (${result.status}); call again to continue`);
  return result.dir;
}

async function main(): Promise<void> {
  const setup = process.argv[2];
  if (!setup || setup.startsWith('--')) throw new Error('usage: npm run reproductions -- <setup> [--seeds N] [--backend B] [--work DIR] [--parallel]');
  const seeds = Number(arg('seeds', '5'));
  const backend = arg('backend', 'auto') as BackendChoice;
  const work = path.resolve(arg('work', path.join(os.tmpdir(), 'is-bench-reproductions')));
  const parallel = process.argv.includes('--parallel');
  const groupDir = parallel
    ? await runSeedsAtOnce({ config: loadExperiment(setup).config, seeds, backend, base: path.join(work, `${setup}-${seeds}-seeds-parallel`), command: ['reproduce', setup] })
    : await runSeedsInTurn(setup, seeds, backend, work);
  const dest = path.join(ROOT, 'docs', 'reproductions', setup);
  fs.rmSync(dest, { recursive: true, force: true });
  copyRuns(groupDir, path.join(dest, 'runs'));
  // the report from the copies, so that it names the committed folders
  const report = await reportRunDirs([path.relative(process.cwd(), path.join(dest, 'runs'))], { outDir: path.relative(process.cwd(), dest), reproduce: reproductionSetups([setup])[0] });
  const first = fs.readdirSync(path.join(dest, 'runs')).find((d) => d.startsWith('seed-'));
  const summary: RunSummary | undefined = first ? readRunSummary(path.join(dest, 'runs', first)) : undefined;
  const made = `npm run reproductions -- ${setup} --seeds ${seeds}${backend === 'auto' ? '' : ` --backend ${backend}`}${parallel ? ' --parallel' : ''}`;
  const readme = [
    `# Reproduction: ${setup}`,
    '',
    parallel
      ? `Made with \`${made}\`, which ran \`is-bench reproduce ${setup} --seed s\` for the ${seeds} seeds at once, one process per seed with one BLAS thread, assembled their run folders into a repeats group and copied its report here. The arms of each seed alternated epoch by epoch in its process; every core of the machine was busy throughout.`
      : `Made with \`${made}\`, which runs \`is-bench reproduce ${setup} --repeats ${seeds}\` and copies its report here.`,
    '',
    `- Finished: ${new Date().toISOString()}`,
    `- ${summary?.backendLine ?? `backend: ${summary?.backend}`}`,
    `- Machine: ${summary?.machine?.cpu}, ${summary?.machine?.cores} cores, ${summary?.machine?.memoryGiB} GiB memory, ${summary?.machine?.platform}`,
    `- is-bench ${summary?.version}, commit ${summary?.commit ?? 'unknown'}; tfjs ${summary?.versions?.tfjs}; Node ${summary?.versions?.node}`,
    '',
    'The full report is [summary.md](summary.md) (and report.html); `runs/` holds every seed\'s CSVs and',
    `summary.json, so \`is-bench report docs/reproductions/${setup}/runs --out <dir>\` rebuilds it.`,
    '',
    'What the terminal printed at the end:',
    '',
    '```',
    renderTerminal(report.brief, { width: 110 }).trimEnd(),
    '```',
    '',
  ].join('\n');
  fs.writeFileSync(path.join(dest, 'README.md'), readme);
  process.stderr.write(`wrote ${path.relative(process.cwd(), dest)}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
