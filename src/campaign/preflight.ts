/**
 * The checks every command that trains makes before it loads data or trains: a typo in the
 * target or an unwritable results folder fails in a second, not after hours of training.
 */
import * as path from 'path';
import type { ExperimentConfig } from '../config/schema';
import { UserError } from '../errors';
import { checkWritable } from '../record/run-output';
import { parseTarget } from '../report/target';

export interface PreflightOptions {
  out: string;
  target?: string;
  evalTrain?: number;
}

/**
 * Throws a UserError for what cannot work: a bad `target`, a `train_*` target without
 * `evalTrain`, a results folder that cannot be written. `folder` is where the runs will go
 * (default `<out>/<experiment>` for each config); nothing is created.
 */
export function preflight(configs: readonly ExperimentConfig[], options: PreflightOptions, folder?: string): void {
  if (options.target !== undefined) {
    const target = parseTarget(options.target);
    if (target.metric.startsWith('train_') && !options.evalTrain) {
      throw new UserError(
        `--target ${options.target.trim()} needs --eval-train N: the loss column of an importance arm is a weighted estimate on its sampled batches, not comparable across arms`,
      );
    }
  }
  const folders = folder !== undefined ? [folder] : [...new Set(configs.map((c) => path.join(options.out, c.name)))];
  for (const f of folders) checkWritable(f, { create: false });
}
