/**
 * Property-based tests of the config loader: random documents, config-shaped documents with
 * random field values, and random YAML/JSON text. Whatever comes in, the loader either returns
 * a config or throws a UserError naming the file; never another error (a bug, exit code 1).
 */
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import YAML from 'yaml';
import { z } from 'zod';
import { CONFIG_DIR, parseConfigText, resolveExperiment } from '../src/config/load';
import { datasetNames, getDataset } from '../src/data/registry';
import { UserError } from '../src/errors';
import { modelNames } from '../src/models/zoo';
import { getStrategy, strategyNames } from '../src/sampling/registry';

const WHERE = 'fuzz.yaml';

/** Runs `load`; a UserError must name the file on every line, anything else fails the property. */
function onlyUserErrors(load: () => unknown): void {
  try {
    load();
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    expect(e.exitCode).toBe(2);
    for (const line of e.message.split('\n')) expect(line.startsWith(WHERE)).toBe(true);
  }
}

/** Loads text the way a config file is loaded: parse, then validate what parsed. */
function loadText(text: string, json: boolean): void {
  onlyUserErrors(() => resolveExperiment(parseConfigText(text, WHERE, json), WHERE));
}

/** Any JavaScript value, including the kinds no YAML/JSON file produces (Map, BigInt, Date, ...). */
const anyValue = fc.anything({
  maxDepth: 3,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
});

/** A field value: mostly plausible numbers, sometimes anything. */
const fieldValue = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: -3, max: 12 }) },
  { weight: 2, arbitrary: fc.double() },
  { weight: 2, arbitrary: fc.constantFrom(0, 0.5, 1, 2, 3, 1e20, -1, Number.MAX_SAFE_INTEGER + 2, 'three', true, null, [], {}) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
  { weight: 1, arbitrary: anyValue },
);

function objectKeys(schema: z.ZodTypeAny): string[] {
  let s: z.ZodTypeAny = schema;
  while (s instanceof z.ZodEffects || s instanceof z.ZodDefault || s instanceof z.ZodOptional) {
    s = s instanceof z.ZodEffects ? s._def.schema : s._def.innerType;
  }
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

/** A record with every key optional: each present key gets a value from its arbitrary. */
function partialRecord(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(fields, { requiredKeys: [] }) as fc.Arbitrary<Record<string, unknown>>;
}

const randomFields = (keys: string[]) => partialRecord(Object.fromEntries(keys.map((k) => [k, fieldValue])));

const dataset = fc.constantFrom(...datasetNames(), 'nosuch').chain((name) =>
  fc.tuple(
    partialRecord({
      name: fc.constant(name),
      path: fc.oneof(fc.string({ maxLength: 5 }), anyValue),
      limit: fieldValue,
      validation: fc.oneof(fc.constant('test'), partialRecord({ holdout: fieldValue }), anyValue),
    }),
    name === 'nosuch' ? fc.constant({}) : randomFields(objectKeys(getDataset(name).options as z.ZodTypeAny)),
  ).map(([base, options]) => ({ ...options, ...base })),
);

const layer = partialRecord({
  type: fc.constantFrom('dense', 'conv2d', 'maxPooling2d', 'flatten', 'dropout', 'activation', 'embedding', 'globalAveragePooling1d', 'lstm'),
  units: fieldValue,
  filters: fieldValue,
  kernelSize: fc.oneof(fieldValue, fc.tuple(fieldValue, fieldValue)),
  rate: fieldValue,
  activation: fc.constantFrom('relu', 'softmax', 'nosuch'),
  outputDim: fieldValue,
});

const arm = fc.constantFrom(...strategyNames(), 'nosuch').chain((strategy) =>
  fc.tuple(
    partialRecord({ name: fc.oneof(fc.constantFrom('a', 'b', 'uniform'), fc.string({ maxLength: 120 })), strategy: fc.constant(strategy) }),
    strategy === 'nosuch' ? fc.constant({}) : randomFields(objectKeys(getStrategy(strategy).params as z.ZodTypeAny)),
  ).map(([base, params]) => ({ ...params, ...base })),
);

/** Documents shaped like experiment configs, with random (often wrong) values in every field. */
const configLike = partialRecord({
  name: fc.oneof(fc.constantFrom('fuzz', 'a.b-c_d'), fc.string({ maxLength: 120 }), anyValue),
  description: fc.oneof(fc.string(), anyValue),
  dataset: fc.oneof({ weight: 4, arbitrary: dataset }, { weight: 1, arbitrary: anyValue }),
  model: fc.oneof(fc.constantFrom(...modelNames(), 'resnet-1000'), partialRecord({ layers: fc.array(layer, { maxLength: 4 }) }), anyValue),
  optimizer: fc.oneof(
    partialRecord({ name: fc.constantFrom('sgd', 'rmsprop', 'adam', 'adadelta', 'adagrad', 'lion'), learningRate: fieldValue, momentum: fieldValue, rho: fieldValue, beta1: fieldValue, epsilon: fieldValue }),
    anyValue,
  ),
  loss: fc.constantFrom('categorical_crossentropy', 'binary_crossentropy', 'hinge'),
  epochs: fieldValue,
  batchSize: fieldValue,
  seed: fieldValue,
  arms: fc.oneof({ weight: 4, arbitrary: fc.array(arm, { maxLength: 4 }) }, { weight: 1, arbitrary: anyValue }),
  expect: fc.oneof(fc.array(fc.oneof(fc.string(), fc.constantFrom('a.val_loss < b.val_loss', 'b.final.accuracy >= 0.5', 'a < ', '== =='))), anyValue),
  reference: fc.oneof(fc.dictionary(fc.string({ maxLength: 5 }), anyValue, { maxKeys: 3 }), anyValue),
});

/** Characters and tokens that mean something in YAML, to build texts the parser has to work on. */
const yamlToken = fc.constantFrom(
  '-', ' ', '  ', '\n', '\t', ':', ': ', '- ', '? ', '[', ']', '{', '}', ',', '&a ', '*a', '&b ', '*b', '!', '!!str ', '!!binary ', '!foo ',
  '#', "'", '"', '|', '>', '%YAML 1.1\n', '---\n', '...\n', '<<: ', '.inf', '.nan', '~', 'null', 'true', '0x1F', '1e400', '123', '-0',
  'name', 'epochs', 'arms', 'strategy', 'uniform', '\\', '\u00e9', '\ufeff', '\u0085', '\u2028', '\ud800', '\u0001',
);
const yamlish = fc.array(yamlToken, { maxLength: 60 }).map((t) => t.join(''));

const SMOKE = fs.readFileSync(path.join(CONFIG_DIR, 'smoke.yaml'), 'utf8');

/** smoke.yaml with a few random edits: reaches deep into validation with nearly valid configs. */
const mutatedSmoke = fc
  .array(fc.tuple(fc.nat({ max: SMOKE.length }), fc.nat({ max: 12 }), fc.oneof(yamlToken, fc.string({ maxLength: 4 }))), { minLength: 1, maxLength: 4 })
  .map((edits) => edits.reduce((text, [at, remove, insert]) => text.slice(0, at) + insert + text.slice(at + remove), SMOKE));

describe('the config loader gives a config or a UserError, never another error', () => {
  test('random values of any kind as the document', () => {
    fc.assert(fc.property(anyValue, (doc) => onlyUserErrors(() => resolveExperiment(doc, WHERE))), { numRuns: 400 });
  });

  test('config-shaped documents with random field values', () => {
    fc.assert(fc.property(configLike, (doc) => onlyUserErrors(() => resolveExperiment(doc, WHERE))), { numRuns: 500 });
  });

  test('random strings as YAML and as JSON text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), yamlish), fc.boolean(), (text, json) => loadText(text, json)),
      { numRuns: 500 },
    );
  });

  test('YAML and JSON renderings of config-shaped documents', () => {
    const plain = configLike.map((doc) => JSON.parse(JSON.stringify(doc, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)) ?? 'null'));
    fc.assert(
      fc.property(plain, fc.boolean(), (doc, json) => loadText(json ? JSON.stringify(doc) : YAML.stringify(doc), json)),
      { numRuns: 300 },
    );
  });

  test('smoke.yaml with random edits', () => {
    fc.assert(fc.property(mutatedSmoke, (text) => loadText(text, false)), { numRuns: 400 });
  });

  test('the properties can fail: a non-UserError is caught', () => {
    expect(() => onlyUserErrors(() => { throw new TypeError('a bug'); })).toThrow(TypeError);
    expect(() => onlyUserErrors(() => { throw new UserError('other.yaml: wrong file named'); })).toThrow();
  });
});
