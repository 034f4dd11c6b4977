/**
 * The content of a report as a small document model (sections of paragraphs, lists, tables
 * and charts), built from analysed runs without any I/O. summary-markdown.ts and
 * report-html.ts render the same document, so summary.md and report.html never disagree.
 */
import type { ArmAnalysis, ExperimentAnalysis } from './analysis';
import { expectationTable, formatExpectationValue, type ExpectationResult } from './expectations';
import { headlines } from './headline';
import { budgetLabel } from '../config/budget';
import { meanRecords, recordsByEpoch } from './mean-records';
import { metricValue } from './metrics';
import { trainingLossMetric } from './plot-specs';
import { referenceSetup, type ReferenceSetupName } from './reference-data';
import { reproductionTables, verdictLabel, verdictTable, type ClaimData, type ClaimVerdict } from './reproduction';
import { formatMeanCI, type SampleStat } from './stats';
import type { Table } from './table';
import { describeTarget, formatMetric } from './target';

export type CheckStatus = 'pass' | 'fail' | 'neutral';

/** A line with a pass/fail mark: an expectation, a reproduction verdict. */
export interface CheckItem {
  status: CheckStatus;
  /** The mark's word ("pass", "reproduced", "not comparable"). */
  label: string;
  text: string;
}

export type Block =
  | { kind: 'paragraph'; text: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'checks'; items: CheckItem[] }
  | { kind: 'table'; table: Table }
  | { kind: 'charts'; charts: ChartRef[] };

/** A chart in the report: its SVG file (beside summary.md) and title. */
export interface ChartRef {
  id: string;
  file: string;
  title: string;
}

export interface Section {
  title: string;
  blocks: Block[];
  subsections?: Section[];
}

export interface ReportDocument {
  title: string;
  sections: Section[];
}

/** What one group of runs contributes to the report. */
export interface GroupReportInput {
  analysis: ExperimentAnalysis;
  expectations?: ExpectationResult[];
  reproduction?: { setup: ReferenceSetupName; ours: ClaimData; verdicts: ClaimVerdict[] };
  charts: ChartRef[];
}

/** The whole report: one section per group (one, unless the folders hold several configurations). */
export function buildReportDocument(groups: readonly GroupReportInput[]): ReportDocument {
  if (groups.length === 1) {
    const a = groups[0].analysis;
    return { title: `${a.group.experiment} — is-bench report`, sections: groupSections(groups[0]) };
  }
  return {
    title: 'is-bench report',
    sections: groups.map((g) => ({
      title: `${g.analysis.group.experiment} (${g.analysis.group.key})`,
      blocks: [],
      subsections: groupSections(g),
    })),
  };
}

function groupSections(input: GroupReportInput): Section[] {
  const { analysis } = input;
  const sections: Section[] = [
    { title: 'Answer', blocks: [{ kind: 'paragraph', text: whereItRan(analysis) }, { kind: 'list', items: headlines(analysis) }, { kind: 'paragraph', text: runLine(analysis) }] },
    { title: 'Side by side', blocks: [{ kind: 'table', table: sideBySideTable(analysis) }] },
    {
      title: 'Time to target',
      blocks: [
        { kind: 'paragraph', text: `Target: \`${describeTarget(analysis.target)}\` (${analysis.target.origin}).` },
        { kind: 'table', table: timeToTargetTable(analysis) },
      ],
    },
  ];
  if (input.expectations && input.expectations.length > 0) {
    sections.push({ title: 'Expectations', blocks: [{ kind: 'table', table: expectationTable(input.expectations) }] });
  }
  if (input.charts.length > 0) sections.push({ title: 'Plots', blocks: [{ kind: 'charts', charts: input.charts }] });
  sections.push({ title: 'Per epoch', blocks: perEpochBlocks(analysis) });
  if (input.reproduction) sections.push(reproductionSection(input.reproduction));
  sections.push({ title: 'How to read this', blocks: [{ kind: 'list', items: readingNotes(analysis) }] });
  sections.push({ title: 'Runs and machine', blocks: [{ kind: 'table', table: runsTable(analysis) }, { kind: 'list', items: environmentItems(analysis) }] });
  if (analysis.warnings.length > 0) sections.push({ title: 'Warnings', blocks: [{ kind: 'list', items: analysis.warnings }] });
  return sections;
}

function runLine(analysis: ExperimentAnalysis): string {
  const n = analysis.seeds.length;
  const first = analysis.group.runs[0]?.summary;
  const config = first?.config as { epochs?: number; batchSize?: number; dataset?: { name?: string; limit?: number } } | undefined;
  const parts = [`${n} seed${n === 1 ? '' : 's'} (${analysis.seeds.join(', ')})`];
  if (config?.dataset?.name) parts.push(`dataset ${config.dataset.name}${config.dataset.limit ? ` (limit ${config.dataset.limit})` : ''}`);
  if (first?.config.budget) parts.push(`budget ${budgetLabel(first.config.budget)} per arm, ${first.config.budget.evaluations} evaluations`);
  else if (config?.epochs) parts.push(`${config.epochs} epochs`);
  if (config?.batchSize) parts.push(`batch size ${config.batchSize}`);
  parts.push(`baseline arm: ${analysis.baselineArm}`);
  return `${parts.join('; ')}.`;
}

// ------------------------------------------------------------------ number formatting

type Kind = 'metric' | 'seconds' | 'ratio' | 'count' | 'cost';

const MAX_DECIMALS: Record<Kind, number> = { metric: 4, seconds: 2, ratio: 2, count: 0, cost: 0 };

/** A figure over seeds: the bare value for one seed, mean ± 95% CI for several. */
export function formatStat(stat: SampleStat, kind: Kind): string {
  if (stat.n === 0 || !Number.isFinite(stat.mean)) return '-';
  if (stat.n >= 2 && kind !== 'count') return formatMeanCI(stat, MAX_DECIMALS[kind]);
  switch (kind) {
    case 'metric':
      return formatMetric(stat.mean);
    case 'seconds':
      return stat.mean.toFixed(2);
    case 'ratio':
      return stat.mean.toFixed(2);
    case 'count':
      return Number.isInteger(stat.mean) ? String(stat.mean) : stat.mean.toFixed(1);
    case 'cost':
      return Math.round(stat.mean).toString();
  }
}

function statuses(arm: ArmAnalysis): string {
  const counts = new Map<string, number>();
  for (const s of arm.seeds) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
  if (arm.seeds.length === 1) return arm.seeds[0].status;
  return [...counts.entries()].map(([k, v]) => `${k} (${v})`).join(', ');
}

/** The cost model's epoch-cost ratio recorded in summary.json (upper-bound: (B + 3b) / 3b). */
function costModelRatio(analysis: ExperimentAnalysis, arm: string): string {
  for (const run of analysis.group.runs) {
    const value = run.arms.find((a) => a.name === arm)?.summary?.costModelRatio;
    if (typeof value === 'number' && Number.isFinite(value)) return value.toFixed(2);
  }
  return arm === analysis.baselineArm ? '1.00' : '-';
}

/** A column of the per-arm tables: its header, its cell, and how much a narrow display wants it. */
interface ArmColumn {
  header: string;
  cell: (arm: ArmAnalysis, analysis: ExperimentAnalysis) => string;
  align: 'left' | 'right';
  /** Higher is kept longer on a narrow display. */
  priority: number;
}

const ARM_COLUMNS: Record<string, ArmColumn> = {
  arm: { header: 'arm', cell: (a) => a.name, align: 'left', priority: 100 },
  strategy: { header: 'strategy', cell: (a) => a.strategy, align: 'left', priority: 40 },
  status: { header: 'status', cell: (a) => statuses(a), align: 'left', priority: 95 },
  epochs: { header: 'epochs', cell: (a) => formatStat(a.epochs, 'count'), align: 'right', priority: 20 },
  finalLoss: { header: 'final loss', cell: (a) => formatStat(a.finalLoss, 'metric'), align: 'right', priority: 10 },
  finalAccuracy: { header: 'final accuracy', cell: (a) => formatStat(a.finalAccuracy, 'metric'), align: 'right', priority: 10 },
  finalValLoss: { header: 'final val_loss', cell: (a) => formatStat(a.finalValLoss, 'metric'), align: 'right', priority: 50 },
  finalValAccuracy: { header: 'final val_accuracy', cell: (a) => formatStat(a.finalValAccuracy, 'metric'), align: 'right', priority: 85 },
  bestValLoss: { header: 'best val_loss', cell: (a) => formatStat(a.bestValLoss, 'metric'), align: 'right', priority: 90 },
  bestValAccuracy: { header: 'best val_accuracy', cell: (a) => formatStat(a.bestValAccuracy, 'metric'), align: 'right', priority: 50 },
  finalValMae: { header: 'final val_mae', cell: (a) => formatStat(a.finalValMae, 'metric'), align: 'right', priority: 85 },
  bestValMae: { header: 'best val_mae', cell: (a) => formatStat(a.bestValMae, 'metric'), align: 'right', priority: 50 },
  epochTime: { header: 's/epoch', cell: (a) => formatStat(a.meanEpochTimeS, 'seconds'), align: 'right', priority: 80 },
  wallTime: { header: 'wall s', cell: (a) => formatStat(a.wallTimeS, 'seconds'), align: 'right', priority: 45 },
  epochTimeRatio: { header: 'epoch time ratio', cell: (a) => formatStat(a.epochTimeRatio, 'ratio'), align: 'right', priority: 75 },
  costRatio: { header: 'cost ratio', cell: (a) => formatStat(a.costRatio, 'ratio'), align: 'right', priority: 70 },
  costModel: { header: 'cost model', cell: (a, analysis) => costModelRatio(analysis, a.name), align: 'right', priority: 30 },
};

/**
 * The validation-metric columns: val_mae for a regression (which has no accuracy), else
 * val_accuracy; the Keras accuracy column only where there is one.
 */
function validationColumns(analysis: ExperimentAnalysis): { final: ArmColumn; best: ArmColumn; trainAccuracy: ArmColumn[] } {
  const c = ARM_COLUMNS;
  return analysis.valMetric === 'val_mae'
    ? { final: c.finalValMae, best: c.bestValMae, trainAccuracy: [] }
    : { final: c.finalValAccuracy, best: c.bestValAccuracy, trainAccuracy: [c.finalAccuracy] };
}

function armTable(analysis: ExperimentAnalysis, columns: ArmColumn[]): Table {
  return {
    header: columns.map((c) => c.header),
    rows: analysis.arms.map((a) => columns.map((c) => c.cell(a, analysis))),
    align: columns.map((c) => c.align),
    priority: columns.map((c) => c.priority),
  };
}

export function sideBySideTable(analysis: ExperimentAnalysis): Table {
  const c = ARM_COLUMNS;
  const v = validationColumns(analysis);
  return armTable(analysis, [
    c.arm, c.strategy, c.status, c.epochs, c.finalLoss, ...v.trainAccuracy, c.finalValLoss, v.final,
    c.bestValLoss, v.best, c.epochTime, c.wallTime, c.epochTimeRatio, c.costRatio, c.costModel,
  ]);
}

export function timeToTargetTable(analysis: ExperimentAnalysis): Table {
  const several = analysis.seeds.length > 1;
  return {
    header: ['arm', 'reached', 'epoch', 'time to target (s)', 'cost units to target', 'speedup (time)', 'speedup (cost units)'],
    rows: analysis.arms.map((a) => {
      const reached = several ? `${a.reached} of ${a.total}` : a.reached > 0 ? 'yes' : 'never';
      const hitEpochs = a.seeds.map((s) => s.hit?.epoch).filter((e): e is number => e !== undefined);
      const epoch = hitEpochs.length === 0 ? '-' : several ? hitEpochs.join(', ') : String(hitEpochs[0]);
      return [
        a.name,
        reached,
        epoch,
        formatStat(a.timeToTarget, 'seconds'),
        formatStat(a.costToTarget, 'cost'),
        a.isBaseline ? '1 (baseline)' : a.reached === 0 ? 'never reached' : formatStat(a.speedupTime, 'ratio'),
        a.isBaseline ? '1 (baseline)' : a.reached === 0 ? 'never reached' : formatStat(a.speedupCost, 'ratio'),
      ];
    }),
  };
}

function perEpochBlocks(analysis: ExperimentAnalysis): Block[] {
  const loss = trainingLossMetric(analysis);
  const means = analysis.arms.map((a) => ({ name: a.name, records: meanRecords(a.seeds.map((s) => s.records)) }));
  const { epochs, bySeed: byArm } = recordsByEpoch(means.map((m) => m.records));
  const valMetric = analysis.valMetric;
  const valHeader = valMetric === 'val_accuracy' ? 'val_acc' : valMetric;
  const header = ['epoch', ...means.flatMap((m) => [`${m.name} ${loss.metric}`, `${m.name} val_loss`, `${m.name} ${valHeader}`, `${m.name} s`])];
  const cell = (v: number | undefined, seconds = false) => (v === undefined || !Number.isFinite(v) ? '' : seconds ? v.toFixed(2) : formatMetric(v));
  const rows = epochs.map((epoch) => [
    String(epoch),
    ...means.flatMap((_m, i) => {
      const r = byArm[i].get(epoch);
      return r ? [cell(metricValue(r, loss.metric)), cell(r.val_loss), cell(metricValue(r, valMetric)), cell(r.epoch_time_s, true)] : ['', '', '', ''];
    }),
  ]);
  const blocks: Block[] = [];
  if (analysis.seeds.length > 1) blocks.push({ kind: 'paragraph', text: `Means over ${analysis.seeds.length} seeds.` });
  blocks.push({ kind: 'table', table: { header, rows } });
  return blocks;
}

function reproductionSection(r: NonNullable<GroupReportInput['reproduction']>): Section {
  const setup = referenceSetup(r.setup);
  const quick = r.ours.quick ? ' — QUICK RUN (fewer epochs on a subset; not the documented setup)' : '';
  const subsections: Section[] = reproductionTables(r.setup, r.ours).map(({ title, table }) => ({
    title,
    blocks: [{ kind: 'table', table }],
  }));
  subsections.push({ title: 'Verdicts', blocks: [{ kind: 'table', table: verdictTable(r.verdicts) }] });
  return {
    title: `Reproduction: ${setup.section}${quick}`,
    blocks: [{ kind: 'paragraph', text: `Reference: ${setup.page}, section "${setup.section}". The page says: "${setup.pageSays}"` }],
    subsections,
  };
}

function readingNotes(analysis: ExperimentAnalysis): string[] {
  const notes = [
    `Targets are checked at epoch ends, where metrics are measured (no interpolation between epochs). Times are each arm's own clock (wall_time_s: training, scoring and sampling; evaluation excluded).`,
    `Speedup = the baseline arm's time (or cost units) to the target divided by this arm's, in the same run (seed); with several seeds, mean ± 95% confidence interval (Student t).`,
    `Cost units = forward samples + 2 × backward samples (a backward pass costs about two forwards). Epoch time ratio = mean epoch time / the baseline arm's; cost ratio = mean cost units per epoch / the baseline arm's, which is what the cost model predicts for the epoch time ratio.`,
  ];
  if (analysis.arms.some((a) => !a.isBaseline)) {
    notes.push(
      'The loss and accuracy columns of a non-uniform arm are measured on its sampled (hard, reweighted) batches, as Keras prints them, so they are low and not comparable across arms; compare by val_* (or train_eval_* with --eval-train).',
    );
  }
  return notes;
}

function runsTable(analysis: ExperimentAnalysis): Table {
  return {
    header: ['run', 'seed', 'status', 'folder'],
    rows: analysis.group.runs.map((r) => [r.summary.runId, String(r.summary.seed), r.summary.status, r.dir]),
    align: ['left', 'right', 'left', 'left'],
  };
}

const distinct = (values: (string | undefined)[]) => [...new Set(values.filter((v): v is string => v !== undefined && v !== ''))];

function machinesOf(analysis: ExperimentAnalysis): string[] {
  return distinct(
    analysis.group.runs.map(({ summary: s }) =>
      s.machine ? `${s.machine.cpu ?? 'unknown CPU'}, ${s.machine.cores ?? '?'} cores, ${s.machine.memoryGiB ?? '?'} GiB memory, ${s.machine.platform ?? ''}`.trim() : undefined,
    ),
  );
}

/** The engine as the run's backend line said it (wasm + native kernels ...), without the fallback advice. */
function backendsOf(analysis: ExperimentAnalysis): string[] {
  return distinct(analysis.group.runs.map(({ summary: s }) => s.backendLine?.replace(/^backend: /, '').replace(/ — fallback: .*/, '') ?? s.backend));
}

/** The first line of a report: timings mean little without the engine and the machine. */
function whereItRan(analysis: ExperimentAnalysis): string {
  const or = (xs: string[]) => (xs.length ? xs.join(' | ') : 'not recorded');
  return `Backend: ${or(backendsOf(analysis))}. Machine: ${or(machinesOf(analysis))}.`;
}

function environmentItems(analysis: ExperimentAnalysis): string[] {
  const summaries = analysis.group.runs.map((r) => r.summary);
  const machines = machinesOf(analysis);
  const versions = distinct(
    summaries.map((s) =>
      s.versions
        ? Object.entries(s.versions)
            .map(([k, v]) => `${k} ${String(v)}`)
            .join(', ')
        : undefined,
    ),
  );
  const datasets = distinct(summaries.map((s) => (s as { dataset?: { source?: string } }).dataset?.source));
  const list = (label: string, values: string[]) => `${label}: ${values.length === 0 ? 'not recorded' : values.join(' | ')}`;
  return [
    list('Machine', machines),
    list('Backend', backendsOf(analysis)),
    list('Versions', versions),
    list('is-bench commit', distinct(summaries.map((s) => s.commit ?? undefined))),
    list('Config hash', distinct(summaries.map((s) => s.configHash))),
    list('Dataset', datasets),
  ];
}

// ------------------------------------------------------------------ the brief report (terminal)

/** Where the full report went, for the brief one to point at. */
export interface ReportFiles {
  summary?: string;
  html?: string;
  /** The results folder (a run, a repeats group, a sweep). */
  results?: string;
}

/**
 * The end of a run in a few lines: per arm the figures that matter, the headline, the
 * expectations, one line per reproduction claim, and where the full report is. Rendered for
 * the terminal; the same facts as the full document, fewer of them.
 */
export function buildBriefDocument(groups: readonly GroupReportInput[], files: ReportFiles = {}): ReportDocument {
  const sections: Section[] = groups.flatMap((g) => briefGroupSections(g, groups.length > 1));
  const where = [files.summary, files.html].filter((f): f is string => f !== undefined);
  const fileItems = [
    ...(where.length ? [`Full report (tables per epoch, plots): ${where.join(', ')}`] : []),
    ...(files.results ? [`Results: ${files.results}`] : []),
  ];
  if (fileItems.length) sections.push({ title: '', blocks: [{ kind: 'list', items: fileItems }] });
  return { title: '', sections };
}

function briefGroupSections(input: GroupReportInput, several: boolean): Section[] {
  const { analysis } = input;
  const sections: Section[] = [
    {
      title: several ? `${analysis.group.experiment} (${analysis.group.key})` : '',
      blocks: [{ kind: 'table', table: briefArmTable(analysis) }, { kind: 'list', items: headlines(analysis) }],
    },
  ];
  if (input.expectations && input.expectations.length > 0) {
    const passed = input.expectations.filter((e) => e.passed).length;
    sections.push({
      title: `Expectations: ${passed} of ${input.expectations.length} met`,
      blocks: [
        {
          kind: 'checks',
          items: input.expectations.map((e) => ({
            status: e.passed ? 'pass' : 'fail',
            label: e.passed ? 'pass' : 'FAIL',
            text: `${e.line} (${formatExpectationValue(e.left)} vs ${formatExpectationValue(e.right)}${e.note ? `; ${e.note}` : ''})`,
          })),
        },
      ],
    });
  }
  if (input.reproduction) {
    const r = input.reproduction;
    const setup = referenceSetup(r.setup);
    const quick = r.ours.quick ? ' (quick run: fewer epochs on a subset)' : '';
    sections.push({
      title: `Reproduction of the reference page, ${setup.section}${quick}`,
      blocks: [
        {
          kind: 'checks',
          items: r.verdicts.map((v) => ({
            status: v.verdict === 'reproduced' ? 'pass' : v.verdict === 'not reproduced' ? 'fail' : 'neutral',
            label: verdictLabel(v),
            text: `${v.claim}: ${v.summary}`,
          })),
        },
      ],
    });
  }
  const notes = [
    `Ratios are per ${analysis.group.runs[0]?.summary.config.budget ? 'row (an evaluation interval of the budget)' : 'epoch'} against ${analysis.baselineArm}; cost = forward + 2 x backward samples; times are each arm's own clock without evaluation.`,
  ];
  if (analysis.arms.some((a) => !a.isBaseline)) notes.push("Other arms' loss/accuracy come from their sampled batches: compare arms by val_*.");
  sections.push({ title: '', blocks: [{ kind: 'paragraph', text: notes.join(' ') }] });
  if (analysis.warnings.length > 0) sections.push({ title: 'Warnings', blocks: [{ kind: 'list', items: analysis.warnings }] });
  return sections;
}

/** One row per arm with the figures that answer the question; the rest is in summary.md. */
function briefArmTable(analysis: ExperimentAnalysis): Table {
  const c = ARM_COLUMNS;
  const anyStopped = analysis.arms.some((a) => a.seeds.some((s) => s.status !== 'finished'));
  const short = (col: ArmColumn, header: string): ArmColumn => ({ ...col, header });
  const finalVal = analysis.valMetric === 'val_mae' ? c.finalValMae : short(c.finalValAccuracy, 'final val_acc');
  return armTable(analysis, [
    c.arm, c.strategy, ...(anyStopped ? [c.status] : []), c.bestValLoss, finalVal,
    c.epochTime, short(c.epochTimeRatio, 'time ratio'), c.costRatio, c.costModel,
  ]);
}

/** How a campaign ended, in the words the terminal shows under the report. */
export interface Outcome {
  /** The results folder. */
  dir: string;
  interrupted: boolean;
  /** Whether `is-bench resume <dir>` can continue it (checkpoints were saved). */
  resumable: boolean;
  /** Arms that stopped before finishing an epoch, with their status. */
  armsWithoutEpochs: { name: string; status: string }[];
}

/** The closing lines: arms that have nothing to report, the results folder, how to continue. */
export function outcomeDocument(outcome: Outcome): ReportDocument {
  const items = [
    ...outcome.armsWithoutEpochs.map((a) => `${a.name}: ${a.status}, no finished epoch`),
    `Results: ${outcome.dir}`,
  ];
  if (outcome.interrupted) {
    items.push(
      outcome.resumable
        ? `Interrupted; continue with: is-bench resume ${outcome.dir}`
        : 'Interrupted; the run saved no checkpoints (--no-checkpoint), so it cannot be resumed: run it again',
    );
  }
  return { title: '', sections: [{ title: '', blocks: [{ kind: 'paragraph', text: items.join('\n') }] }] };
}
