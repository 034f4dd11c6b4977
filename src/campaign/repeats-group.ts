/**
 * A `--repeats N` run is a group folder with one run folder per seed (`seed-<s>/`) and
 * `group.json`, which says what the group is to hold, so that `resume` on the group folder can
 * continue an interrupted seed and start the seeds that never began.
 */
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { storedExperiment } from '../config/load';
import type { ExperimentConfig } from '../config/schema';
import { printable, UserError } from '../errors';
import { writeFileAtomic } from '../io/files';
import { entryExists, pathInside, readCapped } from '../io/inside';

const GROUP_FILE = 'group.json';
const MAX_GROUP_BYTES = 4 * 2 ** 20;
/** More seeds than this in one group is not a benchmark anyone meant. */
export const MAX_REPEATS = 1000;

const GroupSchema = z.object({
  tool: z.literal('is-bench'),
  kind: z.literal('repeats'),
  experiment: z.string(),
  seeds: z.array(z.number().int().min(0)).min(1).max(MAX_REPEATS),
  config: z.unknown(),
  /** Run options a resume must keep (the arms' work depends on them). */
  evalTrain: z.number().int().positive().optional(),
  quick: z.boolean().optional(),
  checkpoint: z.boolean(),
});
export type RepeatsGroup = Omit<z.infer<typeof GroupSchema>, 'config'> & { config: ExperimentConfig };

/** The folder of one seed of a group. */
export function seedFolder(groupDir: string, seed: number): string {
  return pathInside(groupDir, [`seed-${seed}`], 'group.json seed folder');
}

export function writeRepeatsGroup(groupDir: string, group: RepeatsGroup): void {
  writeFileAtomic(path.join(groupDir, GROUP_FILE), JSON.stringify({ ...group }, null, 2) + '\n');
}

export function isRepeatsGroup(dir: string): boolean {
  return entryExists(path.join(dir, GROUP_FILE));
}

/** Reads group.json, re-validating the config it holds as a config file would be. */
export function readRepeatsGroup(groupDir: string): RepeatsGroup {
  const file = pathInside(groupDir, [GROUP_FILE], 'group file');
  let json: unknown;
  try {
    json = JSON.parse(readCapped(file, MAX_GROUP_BYTES).toString('utf8'));
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${file}: unreadable (${printable((e as Error).message)}); not a repeats group is-bench wrote`);
  }
  const parsed = GroupSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`${file}: field "${issue.path.join('.')}": ${issue.message}; not a repeats group is-bench wrote`);
  }
  return { ...parsed.data, config: storedExperiment(parsed.data.config, file) };
}
