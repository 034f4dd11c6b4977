import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors';

/**
 * A model from the user's code: a CommonJS module (or TypeScript, when ts-node is registered)
 * exporting `createModel(args)` that returns a tf.LayersModel. The factory receives is-bench's
 * own `tf` among its arguments and must build with it: a second copy of tfjs in the user's
 * folder would have its own engine and its own layer classes, whose models this process cannot
 * train or copy. A model that is not an instance of this `tf`'s LayersModel is refused with that advice.
 */

export interface ModelFactoryArgs {
  /** The @tensorflow/tfjs is-bench runs on: build the model with it. */
  tf: typeof tf;
  /** The dataset's per-sample shape (without the batch dimension). */
  inputShape: number[];
  /** Classes of the dataset (for regression: target values per sample). */
  numClasses: number;
  /** Width the output layer must have: numClasses, or 1 for binary labels. */
  outputUnits: number;
  /** The experiment's seed, for the factory's initialisers. */
  seed: number;
}

export type ModelFactory = (args: ModelFactoryArgs) => tf.LayersModel | Promise<tf.LayersModel>;

function loadFactory(file: string): ModelFactory {
  if (!fs.existsSync(file)) throw new UserError(`${file}: no such file (model.module)`);
  const ext = path.extname(file).toLowerCase();
  if (ext === '.ts' && !require.extensions['.ts']) {
    throw new UserError(`${file}: a TypeScript module needs ts-node (run with node -r ts-node/register), or compile it to .js`);
  }
  if (ext === '.mjs') throw new UserError(`${file}: an ES module; model.module loads CommonJS (.js/.cjs with module.exports.createModel = ...)`);
  let exported: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    exported = require(file);
  } catch (e) {
    throw new UserError(`${file}: the module failed to load: ${(e as Error).message}`);
  }
  const mod = exported as { createModel?: unknown; default?: { createModel?: unknown } } | null;
  const factory = mod?.createModel ?? mod?.default?.createModel;
  if (typeof factory !== 'function') throw new UserError(`${file}: exports no function createModel({tf, inputShape, numClasses, outputUnits, seed})`);
  return factory as ModelFactory;
}

/** Calls the module's factory once; the model it returns is checked to be one this process can train. */
export async function createModelFromModule(file: string, args: Omit<ModelFactoryArgs, 'tf'>): Promise<tf.LayersModel> {
  const factory = loadFactory(file);
  let model: unknown;
  try {
    model = await factory({ tf, ...args, inputShape: [...args.inputShape] });
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${file}: createModel threw: ${(e as Error).message}`);
  }
  if (!(model instanceof tf.LayersModel)) {
    const looksLikeModel = model !== null && typeof model === 'object' && typeof (model as { predict?: unknown }).predict === 'function';
    throw new UserError(
      looksLikeModel
        ? `${file}: createModel returned a model built with another copy of tfjs; build it with the tf argument (createModel({tf, ...}) => tf.sequential(...)), not a tfjs imported in your folder`
        : `${file}: createModel must return a tf.LayersModel (got ${model === null ? 'null' : typeof model})`,
    );
  }
  return model;
}
