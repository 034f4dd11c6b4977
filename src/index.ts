/** The library behind the CLI: what tests and scripts call directly. */
export { runExperiment, type RunOptions, type RunResult, type RunEvents } from './train/experiment';
export { loadExperiment, resolveExperiment, applyOverrides, experimentToYaml } from './config/load';
export type { ExperimentConfig, ArmConfig, LayerSpec } from './config/schema';
export { selectBackend, type BackendChoice, type BackendInfo } from './engine/backend';
export { UserError, EXIT } from './errors';
export * from './spec';
