import * as fs from 'fs';
import * as path from 'path';
import YAML from 'yaml';
import { z } from 'zod';
import { projectRoot } from '../data/project-root';
import { getDataset, datasetNames } from '../data/registry';
import { UserError } from '../errors';
import { modelNames } from '../models/zoo';
import { getStrategy, strategyNames } from '../sampling/registry';
import { withOptimizerDefaults } from '../train/optimizer';
import { parseExpectation } from '../report/expectations';
import { describeIssues } from './issues';
import { ExperimentSchema, type ArmConfig, type ExperimentConfig } from './schema';

/** The project root: the folder with is-bench's package.json (from src/ under ts-jest, or dist/). */
export const PROJECT_ROOT = projectRoot();
export const CONFIG_DIR = path.join(PROJECT_ROOT, 'configs');

/** Largest config file accepted: configs are small; anything bigger is a mistake. */
const MAX_CONFIG_BYTES = 1024 * 1024;
const MAX_DEPTH = 32;

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

function depth(value: unknown, limit: number, d = 0): number {
  if (d > limit || value === null || typeof value !== 'object') return d;
  let max = d;
  for (const v of Object.values(value as object)) {
    max = Math.max(max, depth(v, limit, d + 1));
    if (max > limit) break;
  }
  return max;
}

/** Parses YAML or JSON text into a plain document; syntax errors become UserErrors. */
export function parseConfigText(text: string, where: string, json: boolean): unknown {
  if (text.includes('\u0000')) throw new UserError(`${where}: binary data, not a YAML or JSON config`);
  let doc: unknown;
  if (json) {
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new UserError(`${where}: invalid JSON (${(e as Error).message})`);
    }
  } else {
    const parsed = YAML.parseDocument(text);
    if (parsed.errors.length) {
      const err = parsed.errors[0];
      const line = err.linePos?.[0]?.line;
      throw new UserError(`${where}${line ? `:${line}` : ''}: invalid YAML (${err.message.split('\n')[0]})`);
    }
    try {
      doc = parsed.toJS({ maxAliasCount: 100 });
    } catch (e) {
      throw new UserError(`${where}: invalid YAML (${(e as Error).message.split('\n')[0]})`);
    }
  }
  if (depth(doc, MAX_DEPTH) > MAX_DEPTH) throw new UserError(`${where}: nested more than ${MAX_DEPTH} levels deep; not an experiment config`);
  return doc;
}

export function readConfigFile(file: string): unknown {
  const where = displayPath(file);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new UserError(`${where}: no such file`);
  }
  if (!stat.isFile()) throw new UserError(`${where}: not a file`);
  if (stat.size > MAX_CONFIG_BYTES) throw new UserError(`${where}: ${stat.size} bytes is too large for an experiment config (limit ${MAX_CONFIG_BYTES})`);
  return parseConfigText(fs.readFileSync(file, 'utf8'), where, /\.json$/i.test(file));
}

function fail(where: string, problems: string[]): never {
  throw new UserError(problems.map((p) => `${where}: ${p}`).join('\n'));
}

/** Validates a parsed document and fills every default: the resolved experiment. */
export function resolveExperiment(doc: unknown, where: string): ExperimentConfig {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    fail(where, [`expected a mapping of experiment fields (name, dataset, model, ...), got ${Array.isArray(doc) ? 'a list' : JSON.stringify(doc)}`]);
  }
  const base = ExperimentSchema.safeParse(doc);
  if (!base.success) fail(where, describeIssues(base.error, ExperimentSchema, doc));
  const cfg = base.data;
  const problems: string[] = [];

  // dataset: generic keys here, the dataset's own options by its schema
  let datasetOptions: Record<string, unknown> = {};
  const { name: dsName, path: dsPath, limit, validation, ...dsRest } = cfg.dataset;
  if (!datasetNames().includes(dsName)) {
    problems.push(`dataset.name must be one of ${datasetNames().join(', ')} (got ${JSON.stringify(dsName)})`);
  } else {
    const schema = getDataset(dsName).options;
    const parsed = schema.safeParse(dsRest);
    if (parsed.success) datasetOptions = parsed.data as Record<string, unknown>;
    else problems.push(...describeIssues(parsed.error, schema as z.ZodTypeAny, dsRest, ['dataset']));
  }

  if (typeof cfg.model === 'string' && !modelNames().includes(cfg.model)) {
    problems.push(`model must be a zoo model (${modelNames().join(', ')}) or {layers: [...]} (got ${JSON.stringify(cfg.model)})`);
  }

  const arms: ArmConfig[] = [];
  const seen = new Set<string>();
  cfg.arms.forEach((arm, i) => {
    if (seen.has(arm.name)) problems.push(`arms[${i}].name "${arm.name}" is used by another arm (arm names must be unique)`);
    seen.add(arm.name);
    const { name, strategy, ...rest } = arm;
    if (!strategyNames().includes(strategy)) {
      problems.push(`arms[${i}].strategy must be one of ${strategyNames().join(', ')} (got ${JSON.stringify(strategy)})`);
      return;
    }
    const schema = getStrategy(strategy).params as z.ZodTypeAny;
    const parsed = schema.safeParse(rest);
    if (!parsed.success) problems.push(...describeIssues(parsed.error, schema, rest, ['arms', i]));
    else arms.push({ name, strategy, params: parsed.data as Record<string, unknown> });
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
    dataset: { name: dsName, ...(dsPath ? { path: dsPath } : {}), ...(limit ? { limit } : {}), validation, options: datasetOptions },
    model: cfg.model,
    optimizer: withOptimizerDefaults(cfg.optimizer),
    loss: cfg.loss,
    epochs: cfg.epochs,
    batchSize: cfg.batchSize,
    seed: cfg.seed,
    arms,
    ...(cfg.expect ? { expect: cfg.expect } : {}),
    ...(cfg.reference ? { reference: cfg.reference } : {}),
  };
}

/** Command-line overrides of a config (each already checked by the CLI's option parsers). */
export interface ConfigOverrides {
  epochs?: number;
  batchSize?: number;
  seed?: number;
  limit?: number;
  arms?: string[];
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
    epochs: o.epochs ?? cfg.epochs,
    batchSize: o.batchSize ?? cfg.batchSize,
    seed: o.seed ?? cfg.seed,
    dataset: {
      ...cfg.dataset,
      ...(o.limit !== undefined ? { limit: o.limit } : {}),
    },
    arms,
  };
}

/** Loads a built-in experiment by name or a config file, validated and defaulted. */
export function loadExperiment(ref: string, overrides: ConfigOverrides = {}): { config: ExperimentConfig; file: string } {
  const file = resolveExperimentFile(ref);
  const config = resolveExperiment(readConfigFile(file), displayPath(file));
  return { config: applyOverrides(config, overrides), file };
}

/** The resolved config as YAML (for `is-bench config`). */
export function experimentToYaml(cfg: ExperimentConfig): string {
  const { arms, dataset, ...rest } = cfg;
  const doc = {
    ...rest,
    dataset: { name: dataset.name, ...(dataset.path ? { path: dataset.path } : {}), ...(dataset.limit ? { limit: dataset.limit } : {}), validation: dataset.validation, ...dataset.options },
    arms: arms.map((a) => ({ name: a.name, strategy: a.strategy, ...a.params })),
  };
  return YAML.stringify(doc);
}

