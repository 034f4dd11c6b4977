/**
 * Reports from finished run folders (repeats, shards): read, merge, analyse, and write
 * summary.md, the SVG plots and report.html (see `reportFolder` for where they go).
 */
import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../errors';
import { analyzeGroup, type ExperimentAnalysis } from './analysis';
import { budgetCurve, equalBudgetComparisons, groupBudget } from './equal-budget';
import { parseExpectations } from '../config/expectation';
import { makeFolders, writeFileAtomic } from '../io/files';
import { anyExpectationFailed, evaluateExpectations, type ExpectationResult } from './expectations';
import { headlines } from './headline';
import { groupRuns, type RunGroup } from './merge';
import { curveChartSpec, reportCharts } from './plot-specs';
import { isReferenceSetupName, referenceSetup, type ReferenceSetupName } from './reference-data';
import { renderSvg } from './render-svg';
import { renderHtml } from './report-html';
import { buildBriefDocument, buildReportDocument, type ChartRef, type GroupReportInput, type ReportDocument } from './report-document';
import { ourClaimData, reproductionVerdicts, type ClaimData, type ClaimVerdict } from './reproduction';
import { findRunDirs, readRunFolder } from './run-folder';
import { renderMarkdown } from './summary-markdown';
import { parseTarget, type Target } from './target';

export interface ReportOptions {
  /** `--target`, e.g. "val_accuracy=0.98"; default: the baseline arm's best val_loss. */
  target?: string;
  /** Where to write; default: see `reportFolder`. */
  outDir?: string;
  /** Label reproduction verdicts as from a quick run (also read from summary.json `quick: true`). */
  quick?: boolean;
  /**
   * Compare with this documented setup. Default: `config.reference.setup`, or the experiment's
   * name when it is one of mnist-mlp, mnist-cnn, reuters-mlp, imdb-fasttext.
   */
  reproduce?: ReferenceSetupName;
  /** Render the SVG plots (default true). */
  plots?: boolean;
}

/** Everything the report says about one group of runs (one configuration, all its seeds). */
export interface GroupReport {
  analysis: ExperimentAnalysis;
  headlines: string[];
  /** Evaluated `expect:` lines of the config; empty when it has none. */
  expectations: ExpectationResult[];
  reproduction?: { setup: ReferenceSetupName; ours: ClaimData; verdicts: ClaimVerdict[] };
}

export interface ReportResult {
  summaryMarkdown: string;
  /** The folder the report was written to. */
  outDir: string;
  /** Files written, in order: the SVGs, summary.md, report.html. */
  files: string[];
  summaryFile: string;
  htmlFile: string;
  /** The report for the terminal: the few lines that answer the question, pointing at the files. */
  brief: ReportDocument;
  groups: GroupReport[];
  /** Whether any expectation failed (the CLI exits with code 3). */
  expectationsFailed: boolean;
}

/**
 * Reads and analyses run folders without writing anything: the figures, headlines, evaluated
 * expectations and reproduction verdicts of each group. Throws UserError for unreadable folders,
 * a bad --target or a bad expect line.
 */
export async function analyzeRunDirs(dirs: readonly string[], options: ReportOptions = {}): Promise<GroupReport[]> {
  if (dirs.length === 0) throw new UserError('report: give at least one run folder (results/<experiment>/<run-id>/)');
  const runDirs = await findRunDirs(dirs);
  const runs = await Promise.all(runDirs.map((d) => readRunFolder(d)));
  const target: Target | undefined = options.target === undefined ? undefined : parseTarget(options.target);
  return groupRuns(runs).map((group) => reportGroup(group, target, options));
}

function reportGroup(group: RunGroup, target: Target | undefined, options: ReportOptions): GroupReport {
  const analysis = analyzeGroup(group, { target });
  const config = group.runs[0].summary.config;
  const expectations = evaluateExpectations(parseExpectations(config.expect ?? [], `${group.experiment}: expect`), analysis);
  const report: GroupReport = { analysis, headlines: headlines(analysis), expectations };
  const setup = reproductionSetup(group, options);
  if (setup) {
    const quick = options.quick === true || group.runs.some((r) => (r.summary as { quick?: unknown }).quick === true);
    const ours = ourClaimData(analysis, quick, referenceSetup(setup).arms);
    if (ours) report.reproduction = { setup, ours, verdicts: reproductionVerdicts(setup, ours) };
  }
  return report;
}

function reproductionSetup(group: RunGroup, options: ReportOptions): ReferenceSetupName | undefined {
  if (options.reproduce) return options.reproduce;
  const reference = group.runs[0].summary.config.reference as { setup?: unknown } | undefined;
  if (typeof reference?.setup === 'string' && isReferenceSetupName(reference.setup)) return reference.setup;
  return isReferenceSetupName(group.experiment) ? group.experiment : undefined;
}

/**
 * The `report` command's work: analyses the folders, renders the plots, writes summary.md,
 * the SVGs and report.html (each atomically) into `options.outDir` or the first folder, and
 * returns the Markdown (for printing) with the list of files.
 */
export async function reportRunDirs(dirs: readonly string[], options: ReportOptions = {}): Promise<ReportResult> {
  const groups = await analyzeRunDirs(dirs, options);
  const outDir = options.outDir ?? reportFolder(dirs, groups);
  makeFolders(outDir);
  const files: string[] = [];
  const svgs = new Map<string, string>();
  const inputs: GroupReportInput[] = [];
  for (const g of groups) {
    const prefix = groups.length === 1 ? '' : `${fileSlug(g.analysis.group.key)}-`;
    const charts: ChartRef[] = [];
    if (options.plots !== false) {
      const budgetCharts = groupBudget(g.analysis) ? [budgetCurve(g.analysis)] : [];
      for (const chart of [...budgetCharts, ...reportCharts(g.analysis)]) {
        if (chart.points.length === 0) continue;
        const id = `${prefix}${chart.id}`;
        const svg = await renderSvg(curveChartSpec(chart));
        const file = path.join(outDir, `${id}.svg`);
        writeFileAtomic(file, svg);
        files.push(file);
        svgs.set(id, svg);
        charts.push({ id, file: `${id}.svg`, title: chart.title });
      }
    }
    inputs.push({ analysis: g.analysis, expectations: g.expectations, reproduction: g.reproduction, charts });
  }
  const doc = buildReportDocument(inputs);
  const summaryMarkdown = renderMarkdown(doc);
  const summaryFile = path.join(outDir, 'summary.md');
  writeFileAtomic(summaryFile, summaryMarkdown);
  files.push(summaryFile);
  const htmlFile = path.join(outDir, 'report.html');
  writeFileAtomic(htmlFile, renderHtml(doc, svgs));
  files.push(htmlFile);
  return {
    summaryMarkdown,
    outDir,
    files,
    summaryFile,
    htmlFile,
    brief: buildBriefDocument(inputs, { summary: summaryFile, html: htmlFile }),
    groups,
    expectationsFailed: groups.some((g) => anyExpectationFailed(g.expectations)),
  };
}

/**
 * Where a report goes without `--out`: the one folder given (a run, a repeats group, a sweep);
 * for several folders of one experiment, the folder that holds them all, unless that is itself
 * a run's folder (a run's own report is never replaced by a merged one); otherwise `--out` is
 * needed.
 */
export function reportFolder(dirs: readonly string[], groups: readonly GroupReport[]): string {
  const unique = [...new Set(dirs.map((d) => path.resolve(d)))];
  if (unique.length === 1) return dirs[0];
  const experiments = new Set(groups.map((g) => g.analysis.group.experiment));
  let common = unique[0];
  while (!unique.every((d) => d === common || d.startsWith(common + path.sep))) common = path.dirname(common);
  const isRun = fs.existsSync(path.join(common, 'summary.json'));
  if (experiments.size > 1 || isRun || path.dirname(common) === common) {
    throw new UserError(
      `report: ${unique.length} folders${experiments.size > 1 ? ` of ${experiments.size} experiments (${[...experiments].join(', ')})` : ''} have no common folder to hold a merged report; give one with --out <dir>`,
    );
  }
  return path.relative(process.cwd(), common) || '.';
}

/**
 * The report as plain JSON (for `--json`): per group the target, per-arm figures over seeds
 * (mean, 95% half-width, n), headlines, expectations and verdicts; no per-epoch records.
 */
export function reportJson(groups: readonly GroupReport[]): unknown {
  return groups.map((g) => {
    const a = g.analysis;
    const stat = (s: { n: number; mean: number; halfWidth: number }) => ({
      mean: finiteOrNull(s.mean),
      ci95: finiteOrNull(s.halfWidth),
      n: s.n,
    });
    return {
      experiment: a.group.experiment,
      key: a.group.key,
      seeds: a.seeds,
      runs: a.group.runs.map((r) => ({ runId: r.summary.runId, seed: r.summary.seed, status: r.summary.status, dir: r.dir })),
      baselineArm: a.baselineArm,
      validationMetric: a.valMetric,
      target: { metric: a.target.metric, direction: a.target.direction, value: finiteOrNull(a.target.value), origin: a.target.origin },
      arms: a.arms.map((arm) => ({
        name: arm.name,
        strategy: arm.strategy,
        reached: arm.reached,
        seeds: arm.total,
        timeToTargetS: stat(arm.timeToTarget),
        costUnitsToTarget: stat(arm.costToTarget),
        speedupTime: stat(arm.speedupTime),
        speedupCost: stat(arm.speedupCost),
        epochTimeRatio: stat(arm.epochTimeRatio),
        costRatio: stat(arm.costRatio),
        meanEpochTimeS: stat(arm.meanEpochTimeS),
        bestValLoss: stat(arm.bestValLoss),
        bestValAccuracy: stat(arm.bestValAccuracy),
        finalValLoss: stat(arm.finalValLoss),
        finalValAccuracy: stat(arm.finalValAccuracy),
        ...(a.valMetric === 'val_mae' ? { bestValMae: stat(arm.bestValMae), finalValMae: stat(arm.finalValMae) } : {}),
      })),
      ...(groupBudget(a) ? { equalBudget: equalBudgetComparisons(a).map((c) => ({ ...c, difference: jsonNumbers(c.difference) })) } : {}),
      headlines: g.headlines,
      expectations: g.expectations,
      reproduction: g.reproduction ? { setup: g.reproduction.setup, quick: g.reproduction.ours.quick, verdicts: g.reproduction.verdicts } : undefined,
      warnings: a.warnings,
    };
  });
}

function jsonNumbers<T extends object>(o: T): Record<keyof T, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? finiteOrNull(v) : v])) as Record<keyof T, unknown>;
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

function fileSlug(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]+/g, '-');
}
