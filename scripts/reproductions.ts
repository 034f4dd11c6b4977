/**
 * `npm run reproductions -- <setup> [--seeds N] [--backend B]`: the committed reproductions of
 * the reference page. Runs `is-bench reproduce <setup> --repeats N` (resuming the group when its
 * folder already exists, so an interrupted batch continues), then copies the report and the run
 * folders (CSVs and summary.json of every seed; no checkpoints) into docs/reproductions/<setup>/
 * with a README that says how it was made. A long job, not a test.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { reproduce, reproductionSetups, resumeCampaign, type CampaignResult } from '../src/campaign/campaign';
import { isRepeatsGroup } from '../src/campaign/repeats-group';
import type { BackendChoice } from '../src/engine/backend';
import { PlainProgress } from '../src/record/progress';
import { renderTerminal } from '../src/report/render-terminal';
import { reportRunDirs } from '../src/report/report';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const ROOT = path.resolve(__dirname, '..');

/** Copies what a report reads from a group folder: group.json, and every seed's summary.json and CSVs (no checkpoints). */
function copyRuns(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, e.name);
    if (e.isDirectory() && e.name !== 'checkpoints') copyRuns(src, path.join(to, e.name));
    else if (e.isFile() && (e.name === 'group.json' || e.name === 'summary.json' || e.name.endsWith('.csv'))) fs.copyFileSync(src, path.join(to, e.name));
  }
}

async function main(): Promise<void> {
  const setup = process.argv[2];
  if (!setup || setup.startsWith('--')) throw new Error('usage: npm run reproductions -- <setup> [--seeds N] [--backend B] [--work DIR]');
  const seeds = Number(arg('seeds', '5'));
  const backend = arg('backend', 'auto') as BackendChoice;
  const work = path.resolve(arg('work', path.join(os.tmpdir(), 'is-bench-reproductions')));
  const events = new PlainProgress(process.stderr);
  const out = path.join(work, `${setup}-${seeds}-seeds`);
  // an unfinished group of an earlier call is continued, not started again
  const groups = fs.existsSync(path.join(out, setup)) ? fs.readdirSync(path.join(out, setup)).map((g) => path.join(out, setup, g)) : [];
  const earlier = groups.find((g) => isRepeatsGroup(g));
  const result: CampaignResult = earlier
    ? await resumeCampaign(earlier, { backend, events })
    : (await reproduce([setup], { backend, out, repeats: seeds, events }))[0];
  if (result.status !== 'finished' || !result.report) throw new Error(`${setup}: the runs did not finish (${result.status}); call again to continue`);
  const dest = path.join(ROOT, 'docs', 'reproductions', setup);
  fs.rmSync(dest, { recursive: true, force: true });
  copyRuns(result.dir, path.join(dest, 'runs'));
  // the report again from the copies, so that it names the committed folders
  const report = await reportRunDirs([path.relative(process.cwd(), path.join(dest, 'runs'))], { outDir: path.relative(process.cwd(), dest), reproduce: reproductionSetups([setup])[0] });
  const summary = result.runs[0]?.summary;
  const readme = [
    `# Reproduction: ${setup}`,
    '',
    `Made with \`npm run reproductions -- ${setup} --seeds ${seeds}${backend === 'auto' ? '' : ` --backend ${backend}`}\`, which runs`,
    `\`is-bench reproduce ${setup} --repeats ${seeds}\` and copies its report here.`,
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
