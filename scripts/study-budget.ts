/**
 * `npm run study:budget -- [--experiments a,b] [--seeds N] [--budgets <experiment>=<b1>,<b2>;...]
 * [--limit N] [--backend B] [--work DIR] [--doc FILE] [--smoke] [--parallel]`: the equal-budget study. Runs
 * each built-in budgeted experiment at each of its budgets with N seeds (`is-bench <experiment>
 * --budget <b> --repeats N`), then writes docs/studies/equal-budget.md with, per experiment, the
 * final error of every arm at every budget, a plot of error against budget (mean and 95% band),
 * the paired relative differences from uniform and the verdicts. A long job, not a test; with
 * --limit or --smoke the document says, at its top, that it is a smoke run and not a result.
 *
 * `--parallel` runs the seeds of a budget at once, one `is-bench <experiment> --budget <b> --seed s`
 * process per seed with one BLAS thread (scripts/lib/seeds-at-once.ts), and resumes every unfinished
 * seed when called again. Budgets in uniform epochs are cost budgets, so what the arms reach does not
 * depend on how busy the cores were; only the reports' wall-clock figures do.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCampaign } from '../src/campaign/campaign';
import { parseBudget } from '../src/config/budget';
import { loadExperiment } from '../src/config/load';
import type { BackendChoice } from '../src/engine/backend';
import { PlainProgress } from '../src/record/progress';
import { curveChartSpec } from '../src/report/plot-specs';
import { renderSvg } from '../src/report/render-svg';
import { studyCell, studyChart, studySection, type StudyCell } from '../src/report/budget-study';
import { reportRunDirs } from '../src/report/report';
import { readRunSummary, type RunSummary } from '../src/record/run-summary';
import type { ExperimentConfig } from '../src/config/schema';
import { runSeedsAtOnce } from './lib/seeds-at-once';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const ROOT = path.resolve(__dirname, '..');

/** A short, a medium and the full uniform run's budget, in uniform epochs (the configs' epochs are the full runs'). */
const DEFAULT_BUDGETS: Record<string, string[]> = {
  'budget-mnist-mlp': ['uniform-epochs:2', 'uniform-epochs:5', 'uniform-epochs:20'],
  'budget-mnist-cnn': ['uniform-epochs:1', 'uniform-epochs:4', 'uniform-epochs:12'],
  'budget-reuters-mlp': ['uniform-epochs:1', 'uniform-epochs:2', 'uniform-epochs:5'],
};

/** The arms the paper's claim is about. */
const IMPORTANCE_ARMS = ['importance', 'upper-bound'];

function budgetsOf(spec: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const part of spec.split(';').filter(Boolean)) {
    const [name, list] = part.split('=');
    out[name.trim()] = list.split(',').map((b) => b.trim());
  }
  return out;
}

interface Cell {
  analysis: NonNullable<Awaited<ReturnType<typeof runCampaign>>['report']>['groups'][number]['analysis'];
  summary: RunSummary;
}

/** Every seed of one budget in this process, one after the other (resumes nothing). */
async function seedsInTurn(config: ExperimentConfig, seeds: number, backend: BackendChoice, out: string): Promise<Cell> {
  const result = await runCampaign(config, { backend, out, repeats: seeds, events: new PlainProgress(process.stderr) });
  const group = result.report?.groups[0];
  if (result.status !== 'finished' || !group) throw new Error(`${config.name}: the runs did not finish (${result.status})`);
  return { analysis: group.analysis, summary: result.runs[0].summary };
}

/** Every seed of one budget at once, one process each (`--parallel`); resumes unfinished seeds. */
async function seedsAtOnce(config: ExperimentConfig, seeds: number, backend: BackendChoice, base: string, command: string[]): Promise<Cell> {
  const group = await runSeedsAtOnce({ config, seeds, backend, base, command });
  const report = await reportRunDirs([group], { outDir: path.join(base, 'report') });
  const first = fs.readdirSync(group).find((d) => d.startsWith('seed-'));
  if (!report.groups[0] || !first) throw new Error(`${config.name}: no finished seed in ${group}`);
  return { analysis: report.groups[0].analysis, summary: readRunSummary(path.join(group, first)) };
}

async function main(): Promise<void> {
  const experiments = arg('experiments', Object.keys(DEFAULT_BUDGETS).join(',')).split(',');
  const seeds = Number(arg('seeds', '5'));
  const limit = process.argv.includes('--limit') ? Number(arg('limit', '0')) : undefined;
  const smoke = process.argv.includes('--smoke') || limit !== undefined;
  const backend = arg('backend', 'auto') as BackendChoice;
  const work = path.resolve(arg('work', path.join(os.tmpdir(), 'is-bench-study-budget')));
  const docFile = path.resolve(arg('doc', path.join(ROOT, 'docs', 'studies', 'equal-budget.md')));
  const budgets = { ...DEFAULT_BUDGETS, ...budgetsOf(arg('budgets', '')) };
  const parallel = process.argv.includes('--parallel');
  const command = process.argv.slice(2).join(' ');

  const sections: string[] = [];
  const machines = new Set<string>();
  for (const experiment of experiments) {
    const cells: StudyCell[] = [];
    for (const text of budgets[experiment] ?? []) {
      const budget = parseBudget(text);
      const { config } = loadExperiment(experiment, { budget, ...(limit ? { limit } : {}) });
      const out = path.join(work, text.replace(/[^A-Za-z0-9.-]+/g, '_'));
      const { analysis, summary: s } = parallel
        ? await seedsAtOnce(config, seeds, backend, `${out}-parallel`, [experiment, '--budget', text, ...(limit ? ['--limit', String(limit)] : [])])
        : await seedsInTurn(config, seeds, backend, out);
      machines.add(`${s.machine?.cpu ?? 'unknown CPU'}, ${s.machine?.cores ?? '?'} cores, backend ${s.backend ?? '?'}`);
      cells.push(studyCell(budget, analysis));
    }
    const unit = cells[0]?.budget.seconds !== undefined ? 'seconds of each arm\'s clock' : cells[0]?.budget.cost !== undefined ? 'cost units' : 'uniform epochs of cost';
    const chartFile = `${experiment}-error-vs-budget.svg`;
    fs.mkdirSync(path.dirname(docFile), { recursive: true });
    fs.writeFileSync(path.join(path.dirname(docFile), chartFile), await renderSvg(curveChartSpec(studyChart(experiment, cells, unit))));
    sections.push(...studySection(experiment, cells, chartFile, IMPORTANCE_ARMS));
  }

  const header = [
    '# Equal-budget study',
    '',
    ...(smoke
      ? [
          '> **SMOKE RUN — NOT A RESULT.** This file was written by a shortened run (a subset of the data, few seeds, short budgets) to show',
          '> that the study runs end to end. Its numbers answer nothing; run `npm run study:budget` without `--limit`/`--smoke` for the study.',
          '',
        ]
      : []),
    `Made with \`npm run study:budget -- ${command}\` (${seeds} seed${seeds === 1 ? '' : 's'} per budget${limit ? `, --limit ${limit}` : ''}${parallel ? ', the seeds of a budget at once, one process and one BLAS thread each' : ''}) on ${[...machines].join('; ')}.`,
    '',
    'Every arm of an experiment trains to the same budget, interleaved with the others, with a learning rate decayed to zero at the',
    "budget's end (cosine for the MNIST models, linear for Reuters), so the uniform baseline is tuned to the budget — the comparison",
    'that "No Train No Gain" (Kaddour et al., NeurIPS 2023) argues is fair. Budgets in uniform epochs are cost budgets (forward + 2 x',
    'backward samples, scoring passes included), the same on every machine; the paper\'s claim is about wall-clock time, and how far',
    'the two differ here shows in each run\'s report (epoch-time ratio beside cost ratio per arm); `--budgets <experiment>=60s,...`',
    'runs the study on wall-clock budgets instead. Differences are paired by seed (the arms of a seed share initial weights and data',
    'order): the 95% interval is a t interval of the per-seed log ratios, mapped back to a relative difference.',
    '',
    'Verdicts are computed from the intervals: the paper\'s claim ("5-17% lower relative test error at equal wall-clock", Katharopoulos',
    '& Fleuret 2018) is *supported* at a budget when the whole interval lies below -5%, *contradicted* when it lies above -5%, else',
    '*inconclusive*; No Train No Gain\'s finding is *consistent* when no arm is significantly better than uniform.',
    '',
  ];
  fs.writeFileSync(docFile, [...header, ...sections].join('\n'));
  process.stderr.write(`wrote ${path.relative(process.cwd(), docFile)}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
