/**
 * The library behind the CLI: every entry point a script or a test calls. Each CLI command is
 * one call into these functions.
 */

// Training campaigns: a run (and --repeats), resume, a sweep shard, the reference reproductions.
export {
  runCampaign,
  resumeCampaign,
  runSweepShard,
  reproduce,
  reproductionSetups,
  campaignExitCode,
  type CampaignOptions,
  type CampaignResult,
  type CampaignStatus,
} from './campaign/campaign';
export { preflight, type PreflightOptions } from './campaign/preflight';

// Training from code: the reference library's ImportanceTraining(model).fit, and a side-by-side run (docs/library.md).
export {
  importanceTraining,
  type ImportanceTraining,
  type ImportanceTrainingOptions,
  type FitOptions,
  type FitHistory,
} from './campaign/importance-training';
export { compare, type CompareOptions, type CompareArm, type ArrayData } from './campaign/compare';
export type { ArrayInput, TrainingCallbacks } from './campaign/library-io';

// One run of one experiment, without the report.
export { runExperiment, resumeExperiment, type RunOptions, type RunResult } from './train/experiment';

// Configs and sweeps.
export { loadExperiment, resolveExperiment, applyOverrides, experimentToYaml, type ConfigOverrides } from './config/load';
export type { ExperimentConfig, ArmConfig, LayerSpec } from './config/schema';
export { loadSweep, sweepCells, shardCells, type SweepConfig, type SweepCell } from './config/sweep';
export { catalogue, catalogueText, type CatalogueEntry } from './config/catalogue';

// Reports from run folders, and their renderings.
export { reportRunDirs, analyzeRunDirs, reportJson, type ReportOptions, type ReportResult, type GroupReport } from './report/report';
export { renderTerminal, terminalOptionsFor } from './report/render-terminal';
export { renderMarkdown } from './report/summary-markdown';
export { renderHtml } from './report/report-html';
export { readRunSummary, RunSummarySchema, type RunSummary, type ArmSummary } from './record/run-summary';
export { PlainProgress, BarProgress } from './record/progress';

// Strategies, datasets, backends.
export { listStrategies, getStrategy, strategyNames } from './sampling/registry';
export { selectBackend, type BackendChoice, type BackendInfo } from './engine/backend';
export { UserError, EXIT } from './errors';
export * from './spec';
