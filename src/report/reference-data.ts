/**
 * The reference numbers: the per-epoch Keras output of the four examples on the examples page
 * of the `importance-sampling` library (Katharopoulos & Fleuret, ICML 2018; docs "Examples"
 * page). They live as data in the `reference:` block of the built-in configs
 * (`configs/<setup>.yaml`), with the page they come from; this module reads and checks them.
 */
import * as path from 'path';
import { z } from 'zod';
import { CONFIG_DIR, displayPath, readConfigFile } from '../config/load';
import { describeIssues } from '../config/issues';
import { UserError } from '../errors';

export type ReferenceSetupName = 'mnist-mlp' | 'mnist-cnn' | 'reuters-mlp' | 'imdb-fasttext';

export const REFERENCE_SETUP_NAMES: readonly ReferenceSetupName[] = ['mnist-mlp', 'mnist-cnn', 'reuters-mlp', 'imdb-fasttext'];

/** One line of Keras progress output. */
export interface ReferenceEpoch {
  epoch: number;
  /** Keras' per-epoch time, whole seconds. */
  seconds: number;
  loss: number;
  acc: number;
  val_loss: number;
  val_acc: number;
}

export interface ReferenceRun {
  command: string;
  /** Keras' progress counter: samples per epoch (uniform) or steps per epoch (importance). */
  progress: string;
  /** "Test loss"/"Test score" and "Test accuracy" printed after training, when the page shows them. */
  testLoss?: number;
  testAccuracy?: number;
  epochs: ReferenceEpoch[];
}

export interface ReferenceSetup {
  name: ReferenceSetupName;
  /** The page the numbers come from. */
  page: string;
  /** The section of the page. */
  section: string;
  /** What the page says about the result, quoted. */
  pageSays: string;
  /** The Keras examples' batch size (steps per epoch follow from it). */
  batchSize: number;
  /** Which of our arms stands for the page's uniform and importance runs (default: the baseline and the first other arm). */
  arms: { uniform?: string; importance?: string };
  uniform: ReferenceRun;
  importance: ReferenceRun;
}

const RunSchema = z
  .object({
    command: z.string(),
    progress: z.string(),
    testLoss: z.number().optional(),
    testAccuracy: z.number().optional(),
    /** [epoch, seconds, loss, acc, val_loss, val_acc] */
    epochs: z.array(z.tuple([z.number().int(), z.number(), z.number(), z.number(), z.number(), z.number()])).min(1),
  })
  .strict();

const ReferenceBlockSchema = z
  .object({
    page: z.string(),
    section: z.string(),
    says: z.string(),
    quick: z.object({ epochs: z.number().int().positive(), limit: z.number().int().positive().optional() }).strict().optional(),
    arms: z.object({ uniform: z.string().optional(), importance: z.string().optional() }).strict().default({}),
    uniform: RunSchema,
    importance: RunSchema,
  })
  .strict();

const cache = new Map<ReferenceSetupName, ReferenceSetup>();

function toRun(r: z.infer<typeof RunSchema>): ReferenceRun {
  return {
    command: r.command,
    progress: r.progress,
    ...(r.testLoss !== undefined ? { testLoss: r.testLoss } : {}),
    ...(r.testAccuracy !== undefined ? { testAccuracy: r.testAccuracy } : {}),
    epochs: r.epochs.map(([epoch, seconds, loss, acc, val_loss, val_acc]) => ({ epoch, seconds, loss, acc, val_loss, val_acc })),
  };
}

/** The documented setup, read from `configs/<name>.yaml`'s `reference:` block. */
export function referenceSetup(name: ReferenceSetupName): ReferenceSetup {
  const cached = cache.get(name);
  if (cached) return cached;
  const file = path.join(CONFIG_DIR, `${name}.yaml`);
  const doc = readConfigFile(file) as { batchSize?: unknown; reference?: unknown };
  const parsed = ReferenceBlockSchema.safeParse(doc.reference);
  if (!parsed.success) {
    throw new UserError(describeIssues(parsed.error, ReferenceBlockSchema, doc.reference, ['reference']).map((p) => `${displayPath(file)}: ${p}`).join('\n'));
  }
  const r = parsed.data;
  const setup: ReferenceSetup = {
    name,
    page: r.page,
    section: r.section,
    pageSays: r.says,
    batchSize: Number(doc.batchSize),
    arms: r.arms,
    uniform: toRun(r.uniform),
    importance: toRun(r.importance),
  };
  cache.set(name, setup);
  return setup;
}

/** The four documented setups, in page order. */
export function referenceSetups(): ReferenceSetup[] {
  return REFERENCE_SETUP_NAMES.map(referenceSetup);
}

export function isReferenceSetupName(name: string): name is ReferenceSetupName {
  return (REFERENCE_SETUP_NAMES as readonly string[]).includes(name);
}
