import * as fs from 'fs';
import * as path from 'path';
import YAML from 'yaml';
import { z } from 'zod';
import { projectRoot } from '../data/project-root';
import { FILE_FORMATS, fileSourceProblems, FileSourceSchema, resolveSourcePaths, sourceName, type FileSource } from '../data/files/options';
import { getDataset, datasetNames } from '../data/registry';
import { UserError } from '../errors';
import { modelNames } from '../models/zoo';
import { getStrategy, strategyNames } from '../sampling/registry';
import { withOptimizerDefaults } from './optimizer-defaults';
import { parseExpectation } from './expectation';
import { checkPlainData, decodeConfigBytes, parseConfigText, readConfigBytes } from './config-text';
import { describeIssues, formatPath, showValue } from './issues';
import { ExperimentSchema, type ArmConfig, type BudgetConfig, type ExperimentConfig, type ModelConfig } from './schema';
import { DEFAULT_EVALUATIONS } from './budget';

/** The project root: the folder with is-bench's package.json (from src/ under ts-jest, or dist/). */
export const PROJECT_ROOT = projectRoot();
export const CONFIG_DIR = path.join(PROJECT_ROOT, 'configs');

export function builtinExperimentNames(): string[] {
  if (!fs.existsSync(CONFIG_DIR)) return [];
  return fs
    .readdirSync(CONFIG_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -5))
    .sort();
}

/** A built-in name, or a path to a .yaml/.yml/.json file. */
export function resolveExperimentFile(ref: string): string {
  const looksLikeFile = /\.(ya?ml|json)$/i.test(ref) || ref.includes('/') || ref.includes(path.sep);
  if (looksLikeFile) {
    if (!fs.existsSync(ref)) {
      throw new UserError(`${ref}: no such file (built-in experiments: ${builtinExperimentNames().join(', ')})`);
    }
    return ref;
  }
  const builtin = path.join(CONFIG_DIR, `${ref}.yaml`);
  if (fs.existsSync(builtin)) return builtin;
  throw new UserError(`unknown experiment "${ref}" (built-in: ${builtinExperimentNames().join(', ')}; or give a path to a .yaml/.json file)`);
}

/** How the file is named in messages: relative to the working directory when that is shorter. */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && rel.length < file.length ? rel : file;
}

export { parseConfigText } from './config-text';

/** A config file's document (not yet validated); every way the file can be wrong is a UserError. */
export function readConfigFile(file: string): unknown {
  const where = displayPath(file);
  return parseConfigText(decodeConfigBytes(readConfigBytes(file, where), where), where, /\.json$/i.test(file));
}

/** Problems listed in one message; a document that is not a config at all would list dozens. */
const MAX_PROBLEMS = 8;

/** Longest experiment or arm name: it names a folder or file, and file names have a length limit. */
const MAX_NAME_LENGTH = 100;

/** One line per problem, the missing fields together: "name, dataset and model are required". */
function problemLines(problems: string[]): string[] {
  const missing = problems.map((p) => /^(\S+) is required$/.exec(p)?.[1]).filter((m): m is string => m !== undefined);
  let lines = problems;
  if (missing.length > 1) {
    const joined = `${missing.slice(0, -1).join(', ')} and ${missing[missing.length - 1]} are required`;
    const first = problems.findIndex((p) => p.endsWith(' is required'));
    lines = problems.filter((p, i) => i === first || !/^\S+ is required$/.test(p)).map((p, i) => (i === first ? joined : p));
  }
  if (lines.length > MAX_PROBLEMS) lines = [...lines.slice(0, MAX_PROBLEMS - 1), `... and ${lines.length - MAX_PROBLEMS + 1} more problems`];
  return lines;
}

function fail(where: string, problems: string[]): never {
  throw new UserError(problemLines(problems).map((p) => `${where}: ${p}`).join('\n'));
}

/** Checks the schema cannot express: integers JavaScript holds exactly, names a file system accepts. */
function limitProblems(cfg: { name: string; epochs: number; batchSize: number; seed: number; dataset: { limit?: number }; arms: { name: string }[] }): string[] {
  const problems: string[] = [];
  const ints: [string, number | undefined][] = [
    ['epochs', cfg.epochs],
    ['batchSize', cfg.batchSize],
    ['seed', cfg.seed],
    ['dataset.limit', cfg.dataset.limit],
  ];
  for (const [field, value] of ints) {
    if (value !== undefined && !Number.isSafeInteger(value)) problems.push(`${field} must be an integer at most ${Number.MAX_SAFE_INTEGER} (got ${showValue(value)})`);
  }
  const names: [string, string][] = [['name', cfg.name], ...cfg.arms.map((a, i): [string, string] => [`arms[${i}].name`, a.name])];
  for (const [field, value] of names) {
    if (value.length > MAX_NAME_LENGTH) problems.push(`${field} must be at most ${MAX_NAME_LENGTH} characters (it names a file; got ${value.length})`);
  }
  return problems;
}

/**
 * A file-based dataset block: validated (worded as the other problems: "dataset.label is
 * required"), relative paths resolved against `baseDir`.
 */
function resolveFileSource(raw: Record<string, unknown>, validation: 'test' | { holdout: number }, baseDir: string): { source?: FileSource; problems: string[] } {
  const parsed = FileSourceSchema.safeParse(raw);
  if (!parsed.success) return { problems: describeIssues(parsed.error, FileSourceSchema as z.ZodTypeAny, raw, ['dataset']) };
  return { source: resolveSourcePaths(parsed.data, baseDir), problems: fileSourceProblems(parsed.data, validation) };
}

/**
 * One arm: its strategy known and its parameters checked by that strategy's schema (defaults
 * filled in); `at` is where the arm is, for the messages (`arms[1]`). The library's options too.
 */
export function resolveArm(raw: { name: string; strategy: string } & Record<string, unknown>, at: (string | number)[]): { arm?: ArmConfig; problems: string[] } {
  const { name, strategy, ...rest } = raw;
  if (!strategyNames().includes(strategy)) {
    return { problems: [`${formatPath([...at, 'strategy'])} must be one of ${strategyNames().join(', ')} (got ${JSON.stringify(strategy)})`] };
  }
  const schema = getStrategy(strategy).params as z.ZodTypeAny;
  const parsed = schema.safeParse(rest);
  if (!parsed.success) return { problems: describeIssues(parsed.error, schema, rest, at) };
  return { arm: { name, strategy, params: parsed.data as Record<string, unknown> }, problems: [] };
}

/**
 * Validates a parsed document and fills every default: the resolved experiment. Relative paths
 * of a file-based dataset are resolved against `baseDir` (the config file's folder).
 */
export function resolveExperiment(doc: unknown, where: string, baseDir: string = process.cwd()): ExperimentConfig {
  checkPlainData(doc, where);
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    const got = doc === null || doc === undefined ? 'an empty document' : Array.isArray(doc) ? 'a list' : showValue(doc);
    fail(where, [`expected a mapping of experiment fields (name, dataset, model, ...), got ${got}`]);
  }
  const base = ExperimentSchema.safeParse(doc);
  if (!base.success) fail(where, describeIssues(base.error, ExperimentSchema, doc));
  const cfg = base.data;
  const problems: string[] = limitProblems(cfg);

  // dataset: generic keys here, the dataset's own options by its schema
  let datasetOptions: Record<string, unknown> = {};
  const { name: givenName, format, path: dsPath, limit, validation, ...dsRest } = cfg.dataset;
  let dsName = givenName ?? '';
  if (format !== undefined) {
    const file = resolveFileSource({ ...dsRest, format, ...(dsPath !== undefined ? { path: dsPath } : {}), ...(givenName ? { name: givenName } : {}) }, validation, baseDir);
    problems.push(...file.problems);
    if (file.source) {
      const { format: _format, ...options } = file.source;
      datasetOptions = options;
      dsName = sourceName(file.source);
    }
  } else if (givenName === undefined) {
    problems.push(`dataset.name is required: a built-in dataset (${datasetNames().join(', ')}), or dataset.format for your own files (${FILE_FORMATS.join(', ')})`);
  } else if (!datasetNames().includes(givenName)) {
    problems.push(`dataset.name must be one of ${datasetNames().join(', ')} (got ${JSON.stringify(givenName)}); for your own files give dataset.format (${FILE_FORMATS.join(', ')})`);
  } else if (dsPath !== undefined && typeof dsPath !== 'string') {
    problems.push(`dataset.path must be a file or folder name for the built-in dataset ${givenName}`);
  } else {
    const schema = getDataset(givenName).options;
    const parsed = schema.safeParse(dsRest);
    if (parsed.success) datasetOptions = parsed.data as Record<string, unknown>;
    else problems.push(...describeIssues(parsed.error, schema as z.ZodTypeAny, dsRest, ['dataset']));
  }

  if (cfg.huberDelta !== undefined && cfg.loss !== 'huber') problems.push(`huberDelta is Huber's delta: it needs loss: huber (got loss: ${cfg.loss})`);
  if (typeof cfg.model === 'string' && !modelNames().includes(cfg.model)) {
    problems.push(`model must be a zoo model (${modelNames().join(', ')}) or {layers: [...]}, {path: model.json} or {module: model.js} (got ${JSON.stringify(cfg.model)})`);
  }

  const arms: ArmConfig[] = [];
  const seen = new Set<string>();
  cfg.arms.forEach((arm, i) => {
    if (seen.has(arm.name)) problems.push(`arms[${i}].name "${arm.name}" is used by another arm (arm names must be unique)`);
    seen.add(arm.name);
    const resolved = resolveArm(arm, ['arms', i]);
    problems.push(...resolved.problems);
    if (resolved.arm) arms.push(resolved.arm);
  });
  (cfg.expect ?? []).forEach((line, i) => {
    try {
      const e = parseExpectation(line, `expect[${i}]`);
      for (const side of [e.left, e.right]) {
        if (side.type === 'arm' && !cfg.arms.some((a) => a.name === side.arm)) {
          problems.push(`expect[${i}] "${line}": no arm named "${side.arm}" (arms: ${cfg.arms.map((a) => a.name).join(', ')})`);
        }
      }
    } catch (err) {
      problems.push((err as Error).message);
    }
  });
  if (problems.length) fail(where, problems);

  return {
    name: cfg.name,
    description: cfg.description,
    dataset: {
      name: dsName,
      ...(format ? { format } : {}),
      ...(typeof dsPath === 'string' && !format ? { path: dsPath } : {}),
      ...(limit ? { limit } : {}),
      validation,
      options: datasetOptions,
    },
    model: modelWithAbsolutePaths(cfg.model, baseDir),
    optimizer: withOptimizerDefaults(cfg.optimizer),
    loss: cfg.loss,
    ...(cfg.huberDelta !== undefined ? { huberDelta: cfg.huberDelta } : {}),
    epochs: cfg.epochs,
    batchSize: cfg.batchSize,
    seed: cfg.seed,
    ...(cfg.budget ? { budget: cfg.budget } : {}),
    arms,
    ...(cfg.expect ? { expect: cfg.expect } : {}),
    ...(cfg.reference ? { reference: cfg.reference } : {}),
  };
}

/** A user model's file, resolved against the config file's folder (like a file dataset's paths). */
function modelWithAbsolutePaths(model: ModelConfig, baseDir: string): ModelConfig {
  if (typeof model === 'string' || 'layers' in model) return model;
  if ('path' in model) return { ...model, path: path.resolve(baseDir, model.path) };
  return { module: path.resolve(baseDir, model.module) };
}

/** Command-line overrides of a config (each already checked by the CLI's option parsers). */
export interface ConfigOverrides {
  epochs?: number;
  batchSize?: number;
  seed?: number;
  limit?: number;
  arms?: string[];
  /** `--budget`: replaces the config's budget (its evaluations kept), or makes an epoch run a budgeted one. */
  budget?: Omit<BudgetConfig, 'evaluations'>;
}

/** What applying the overrides changed of what was asked, one line each (`--arms a,a` runs `a` once). */
export function overrideWarnings(o: ConfigOverrides): string[] {
  const repeated = [...new Set((o.arms ?? []).filter((a, i, all) => all.indexOf(a) !== i))];
  return repeated.length ? [`--arms names ${repeated.map((a) => `"${a}"`).join(', ')} more than once: running each arm once`] : [];
}

export function applyOverrides(cfg: ExperimentConfig, o: ConfigOverrides): ExperimentConfig {
  let arms = cfg.arms;
  if (o.arms) {
    const unknown = o.arms.filter((a) => !cfg.arms.some((arm) => arm.name === a));
    if (unknown.length) {
      throw new UserError(`--arms: no arm named ${unknown.map((a) => `"${a}"`).join(', ')} in ${cfg.name} (arms: ${cfg.arms.map((a) => a.name).join(', ')})`);
    }
    arms = cfg.arms.filter((a) => o.arms!.includes(a.name));
  }
  return {
    ...cfg,
    // strategies that plan by epochs (InfoBatch's annealing, ordered SGD) are told the epochs a
    // budget of uniform epochs stands for, unless --epochs says otherwise
    epochs: o.epochs ?? (o.budget?.uniformEpochs !== undefined ? Math.max(1, Math.ceil(o.budget.uniformEpochs)) : cfg.epochs),
    batchSize: o.batchSize ?? cfg.batchSize,
    seed: o.seed ?? cfg.seed,
    ...(o.budget ? { budget: { ...o.budget, evaluations: cfg.budget?.evaluations ?? DEFAULT_EVALUATIONS } } : {}),
    dataset: {
      ...cfg.dataset,
      ...(o.limit !== undefined ? { limit: o.limit } : {}),
    },
    arms,
  };
}

/** Loads a built-in experiment by name or a config file, validated and defaulted. */
export function loadExperiment(ref: string, overrides: ConfigOverrides = {}): { config: ExperimentConfig; file: string; warnings: string[] } {
  const file = resolveExperimentFile(ref);
  const config = resolveExperiment(readConfigFile(file), displayPath(file), path.dirname(path.resolve(file)));
  return { config: applyOverrides(config, overrides), file, warnings: overrideWarnings(overrides) };
}

/** The resolved config as a config document again: what a file that resolves to it would hold. */
export function experimentToDocument(cfg: ExperimentConfig): Record<string, unknown> {
  const { arms, dataset, ...rest } = cfg;
  return {
    ...rest,
    dataset: {
      ...(dataset.format ? { format: dataset.format } : { name: dataset.name }),
      ...(dataset.path ? { path: dataset.path } : {}),
      ...(dataset.limit ? { limit: dataset.limit } : {}),
      validation: dataset.validation,
      ...dataset.options,
    },
    arms: arms.map((a) => ({ name: a.name, strategy: a.strategy, ...a.params })),
  };
}

/** The resolved config as YAML (for `is-bench config`). */
export function experimentToYaml(cfg: ExperimentConfig): string {
  return YAML.stringify(experimentToDocument(cfg));
}

/**
 * A resolved config read back from a run folder (summary.json), validated again as a config file
 * would be: a copied or edited folder is untrusted, and names in it become file names.
 */
export function storedExperiment(stored: unknown, where: string): ExperimentConfig {
  const s = stored as Partial<ExperimentConfig> | null;
  const looksResolved = s !== null && typeof s === 'object' && typeof s.dataset === 'object' && s.dataset !== null && 'options' in s.dataset && Array.isArray(s.arms);
  if (!looksResolved) throw new UserError(`${where}: config is not a resolved experiment config`);
  const arms = (s.arms as unknown[]).map((a) => {
    const arm = a as Partial<ArmConfig> | null;
    if (arm === null || typeof arm !== 'object' || typeof arm.params !== 'object' || arm.params === null) throw new UserError(`${where}: config.arms holds an entry that is not an arm`);
    return arm as ArmConfig;
  });
  return resolveExperiment(experimentToDocument({ ...(s as ExperimentConfig), arms }), `${where} (config)`);
}

