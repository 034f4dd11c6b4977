/**
 * Per-arm checkpoints, `checkpoints/<arm>.json` + `checkpoints/<arm>.e<epoch>.bin`. The JSON is
 * of constant size (the epoch records live in the arm's CSV, which the run writes anyway); the
 * binary's size and sha256 are in the JSON, so a damaged or truncated copy is refused rather
 * than trained on. Everything read back is untrusted: names and paths are confined to the run
 * folder, sizes are capped before reading, and every field is checked before it is used.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { printable, UserError } from '../errors';
import { writeFileAtomic } from '../io/files';
import { entryExists, pathInside, readCapped } from '../io/inside';
import type { EpochRecord } from '../spec';
import type { Arm } from './arm';

const CHECKPOINT_DIR = 'checkpoints';
/** The JSON holds no records; its size is the strategy state's (score tables: a few MB for large sets). */
const MAX_CHECKPOINT_JSON_BYTES = 256 * 2 ** 20;

/** `<run>/checkpoints`, refused if it is a symlink or resolves outside the run folder. */
export function checkpointDir(runDir: string): string {
  return pathInside(runDir, [CHECKPOINT_DIR], 'checkpoint folder');
}

function checkpointPath(runDir: string, file: string): string {
  return pathInside(runDir, [CHECKPOINT_DIR, file], 'checkpoint file');
}

/** The binary of an arm's checkpoint after `epochs` epochs; the only name its JSON may give. */
const binFileName = (arm: string, epochs: number) => `${arm}.e${epochs}.bin`;

const TensorEntrySchema = z.object({
  name: z.string().max(1000),
  shape: z.array(z.number().int().min(0).max(2 ** 31)).max(8),
  dtype: z.enum(['float32', 'int32']),
  /** Offset in 4-byte words into the epoch's .bin file. */
  offset: z.number().int().min(0),
});
type TensorEntry = z.infer<typeof TensorEntrySchema>;

const Finite = z.number().finite();
/** seedrandom's alea state. */
const AleaStateSchema = z.object({ c: Finite, s0: Finite, s1: Finite, s2: Finite });

const CheckpointSchema = z.object({
  format: z.literal(2),
  arm: z.string(),
  epochsCompleted: z.number().int().min(1),
  status: z.enum(['running', 'finished', 'diverged', 'interrupted']),
  stopReason: z.string().max(10000).optional(),
  wallTime: Finite.min(0),
  /** Steps trained since the arm started: where the learning-rate schedule resumes. */
  globalStep: z.number().int().min(0),
  dataRng: AleaStateSchema,
  dropoutRng: AleaStateSchema,
  strategy: z.unknown(),
  binFile: z.string(),
  /** Size and sha256 (hex) of binFile as written. */
  binBytes: z.number().int().min(0),
  binSha256: z.string().regex(/^[0-9a-f]{64}$/),
  weights: z.array(TensorEntrySchema).max(100000),
  optimizer: z.array(TensorEntrySchema).max(300000),
});
type CheckpointFile = z.infer<typeof CheckpointSchema>;

function pack(named: { name: string; tensor: tf.Tensor }[], words: number[], out: TensorEntry[], chunks: Float32Array[]): void {
  for (const { name, tensor } of named) {
    const data = tensor.dataSync();
    const asFloat = tensor.dtype === 'int32' ? new Float32Array(new Int32Array(data).buffer) : new Float32Array(data);
    out.push({ name, shape: tensor.shape, dtype: tensor.dtype as 'float32' | 'int32', offset: words[0] });
    chunks.push(asFloat);
    words[0] += asFloat.length;
  }
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Saves an arm after a finished epoch: model weights, optimizer state, strategy state and both
 * random streams (its records are in its CSV, written just before). The tensors go to
 * `<arm>.e<epoch>.bin`, then the JSON that names it is renamed into place, then the older
 * binaries of the arm are removed: at every moment the JSON on disk points at a complete file.
 */
export async function saveArmCheckpoint(runDir: string, arm: Arm): Promise<void> {
  const dir = checkpointDir(runDir);
  try {
    fs.mkdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const epochs = arm.records.length;
  const session = arm.options.session;
  const words = [0];
  const chunks: Float32Array[] = [];
  const weights: TensorEntry[] = [];
  const optimizer: TensorEntry[] = [];
  pack(
    session.model.logits.weights.map((w) => ({ name: w.originalName, tensor: w.read() })),
    words,
    weights,
    chunks,
  );
  const optWeights = await session.optimizer.getWeights();
  pack([...optWeights, ...adamPowers(session.optimizer)], words, optimizer, chunks);
  // getWeights makes a fresh tensor for the iteration count; the others are live variables
  optWeights.filter((w) => w.name === 'iter').forEach((w) => w.tensor.dispose());
  const bin = new Float32Array(words[0]);
  let at = 0;
  for (const c of chunks) {
    bin.set(c, at);
    at += c.length;
  }
  const bytes = new Uint8Array(bin.buffer);
  const binFile = binFileName(arm.name, epochs);
  writeFileAtomic(checkpointPath(runDir, binFile), bytes);
  const ckpt: CheckpointFile = {
    format: 2,
    arm: arm.name,
    epochsCompleted: epochs,
    status: arm.status,
    ...(arm.stopReason ? { stopReason: arm.stopReason } : {}),
    wallTime: arm.wallTime,
    globalStep: arm.globalStep,
    dataRng: arm.options.rng.state() as CheckpointFile['dataRng'],
    dropoutRng: arm.options.dropoutRng.state() as CheckpointFile['dropoutRng'],
    strategy: arm.options.strategy.state?.() ?? null,
    binFile,
    binBytes: bytes.byteLength,
    binSha256: sha256(bytes),
    weights,
    optimizer,
  };
  writeFileAtomic(checkpointPath(runDir, `${arm.name}.json`), JSON.stringify(ckpt));
  removeOlderBinaries(dir, arm.name, binFile);
}

/** Deletes the arm's other `<arm>.e<n>.bin` files, and only those, inside the checkpoint folder. */
function removeOlderBinaries(dir: string, armName: string, keep: string): void {
  const own = new RegExp(`^${armName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.e\\d+\\.bin$`);
  for (const name of fs.readdirSync(dir)) {
    if (name !== keep && own.test(name)) fs.rmSync(pathInside(dir, [name], 'checkpoint file'), { force: true });
  }
}

/**
 * Adam's running beta powers: setWeights recomputes them as beta^(t+1) with pow, which can
 * differ in the last bit from the product the uninterrupted run accumulated; saved as they are
 * so a resumed run continues bit for bit.
 */
const ADAM_POWERS = ['accBeta1', 'accBeta2'] as const;

function adamPowers(opt: tf.Optimizer): { name: string; tensor: tf.Tensor }[] {
  const o = opt as unknown as Record<string, tf.Variable | undefined>;
  return ADAM_POWERS.filter((k) => o[k] instanceof tf.Variable).map((k) => ({ name: `__${k}`, tensor: o[k]! }));
}

const sizeOf = (e: TensorEntry) => e.shape.reduce((a, b) => a * b, 1);

function unpack(entries: TensorEntry[], bin: Float32Array): { name: string; tensor: tf.Tensor }[] {
  return entries.map((e) => {
    const slice = bin.slice(e.offset, e.offset + sizeOf(e));
    const values = e.dtype === 'int32' ? new Int32Array(slice.buffer) : slice;
    return { name: e.name, tensor: tf.tensor(values, e.shape, e.dtype) };
  });
}

/** Whether an arm has a checkpoint in this run folder. */
export function hasCheckpoint(runDir: string, armName: string): boolean {
  return fs.existsSync(checkpointPath(runDir, `${armName}.json`));
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * Checks the JSON's tensor list against the model before anything is allocated for it: every
 * model weight once with its own shape; optimizer slots shaped as the trainable weights, or
 * scalars (`iter`, Adam's `__accBeta*`). Returns the binary's size in words.
 */
function checkLayout(ckpt: CheckpointFile, arm: Arm, file: string, damaged: (why: string) => UserError): number {
  const model = new Map(arm.options.session.model.logits.weights.map((w) => [w.originalName, w.shape as number[]]));
  const names = new Set(ckpt.weights.map((w) => w.name));
  if (ckpt.weights.length !== model.size || names.size !== model.size || ckpt.weights.some((w) => !sameShape(model.get(w.name) ?? [-1], w.shape))) {
    throw new UserError(`${file}: the checkpoint's weights do not fit this experiment's model; this arm cannot be resumed`);
  }
  // slots come per trainable weight, in its order, one round per kind of slot (Adam: all m, then all v)
  const trainable = arm.options.session.model.logits.trainableWeights.map((w) => w.shape as number[]);
  const slots = ckpt.optimizer.filter((e) => e.shape.length > 0);
  const misfit = slots.findIndex((e, j) => !sameShape(trainable[j % trainable.length] ?? [-1], e.shape));
  if (misfit >= 0 || slots.length % Math.max(trainable.length, 1) !== 0) {
    throw damaged(`optimizer slot "${(slots[misfit]?.name ?? '').slice(0, 80)}" does not fit the model's trainable weights`);
  }
  let words = 0;
  for (const e of [...ckpt.weights, ...ckpt.optimizer]) words = Math.max(words, e.offset + sizeOf(e));
  if (words * 4 !== ckpt.binBytes) throw damaged(`its tensors need ${words * 4} bytes but binBytes says ${ckpt.binBytes}`);
  return words;
}

/** Reads and checks an arm's checkpoint JSON and binary; every way either can be wrong is a UserError naming the file. */
function readCheckpoint(runDir: string, arm: Arm): { ckpt: CheckpointFile; bin: Float32Array } {
  const jsonFile = checkpointPath(runDir, `${arm.name}.json`);
  const damaged = (why: string, file = jsonFile) => new UserError(`damaged checkpoint ${file}: ${why}; resume from an earlier copy of the run folder or start the run again`);
  let json: unknown;
  try {
    json = JSON.parse(readCapped(jsonFile, MAX_CHECKPOINT_JSON_BYTES).toString('utf8'));
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw damaged(`not valid JSON (${printable((e as Error).message)})`);
  }
  if ((json as { format?: unknown } | null)?.format === 1) {
    throw new UserError(`${jsonFile}: a checkpoint of an older is-bench (format 1, without a checksum); this version cannot resume it: start the run again`);
  }
  const parsed = CheckpointSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw damaged(`field "${issue.path.join('.')}": ${issue.message}`);
  }
  const ckpt = parsed.data;
  if (ckpt.arm !== arm.name) throw damaged(`it is arm "${ckpt.arm.slice(0, 80)}"'s, not "${arm.name}"'s`);
  if (ckpt.epochsCompleted > arm.options.epochs) throw damaged(`${ckpt.epochsCompleted} epochs completed, more than the experiment's ${arm.options.epochs}`);
  if (ckpt.binFile !== binFileName(arm.name, ckpt.epochsCompleted)) {
    throw damaged(`binFile ${JSON.stringify(ckpt.binFile.slice(0, 80))} is not ${binFileName(arm.name, ckpt.epochsCompleted)}; a checkpoint names only its own binary`);
  }
  const words = checkLayout(ckpt, arm, jsonFile, damaged);
  const binPath = checkpointPath(runDir, ckpt.binFile);
  if (!entryExists(binPath)) throw damaged(`its binary ${ckpt.binFile} is missing`);
  const size = fs.statSync(binPath).size;
  if (size !== ckpt.binBytes) throw damaged(`${size} bytes, ${ckpt.binBytes} written (${size < ckpt.binBytes ? 'truncated' : 'longer than written'})`, binPath);
  const bytes = readCapped(binPath, ckpt.binBytes);
  if (bytes.byteLength !== ckpt.binBytes) throw damaged(`${bytes.byteLength} bytes read, ${ckpt.binBytes} written (truncated)`, binPath);
  if (sha256(bytes) !== ckpt.binSha256) throw damaged('its sha256 differs from the one recorded when it was written', binPath);
  return { ckpt, bin: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + words * 4)) };
}

/**
 * Puts an arm back where its checkpoint left it. `records` are the arm's CSV rows (at least the
 * checkpoint's epochs; a run killed between writing the CSV and the checkpoint has one more).
 */
export async function restoreArmCheckpoint(runDir: string, arm: Arm, records: readonly EpochRecord[], csvFile: string): Promise<void> {
  const { ckpt, bin } = readCheckpoint(runDir, arm);
  if (records.length < ckpt.epochsCompleted) {
    throw new UserError(`${csvFile}: ${records.length} epoch rows, but the arm's checkpoint is after epoch ${ckpt.epochsCompleted}; resume from an earlier copy of the run folder or start the run again`);
  }
  const kept = records.slice(0, ckpt.epochsCompleted);
  const misnumbered = kept.findIndex((r, i) => r.epoch !== i + 1);
  if (misnumbered >= 0) throw new UserError(`${csvFile}: row ${misnumbered + 2} is epoch ${kept[misnumbered].epoch}, not ${misnumbered + 1}; not a CSV is-bench wrote`);
  const session = arm.options.session;
  const weights = unpack(ckpt.weights, bin);
  const byName = new Map(weights.map((w) => [w.name, w.tensor]));
  session.model.logits.weights.forEach((w) => w.write(byName.get(w.originalName)!));
  weights.forEach((w) => w.tensor.dispose());
  if (ckpt.optimizer.length) {
    const all = unpack(ckpt.optimizer, bin);
    const powers = all.filter((w) => w.name.startsWith('__'));
    // setWeights copies the values into new variables of its own
    await session.optimizer.setWeights(all.filter((w) => !w.name.startsWith('__')));
    const o = session.optimizer as unknown as Record<string, tf.Variable | undefined>;
    for (const p of powers) if (ADAM_POWERS.some((k) => `__${k}` === p.name)) o[p.name.slice(2)]?.assign(p.tensor as tf.Scalar);
    all.forEach((w) => w.tensor.dispose());
  }
  arm.options.rng.restore(ckpt.dataRng);
  arm.options.dropoutRng.restore(ckpt.dropoutRng);
  if (ckpt.strategy !== null && ckpt.strategy !== undefined) restoreStrategy(arm, ckpt.strategy, checkpointPath(runDir, `${arm.name}.json`));
  arm.records.splice(0, arm.records.length, ...kept);
  arm.wallTime = ckpt.wallTime;
  arm.globalStep = ckpt.globalStep;
  arm.epochsEnded = kept.length;
  arm.status = ckpt.epochsCompleted >= arm.options.epochs ? 'finished' : ckpt.status === 'diverged' ? 'diverged' : 'running';
  arm.stopReason = arm.status === 'diverged' ? ckpt.stopReason : undefined;
}

/**
 * A strategy's own state is its to read; one that does not fit (another strategy's, or a
 * damaged one) makes restore throw, and that is the checkpoint's fault, not a bug.
 */
function restoreStrategy(arm: Arm, state: unknown, file: string): void {
  if (!arm.options.strategy.restore) return;
  if (typeof state !== 'object') {
    throw new UserError(`damaged checkpoint ${file}: strategy state of the wrong kind for strategy ${arm.options.strategyName}; resume from an earlier copy of the run folder or start the run again`);
  }
  try {
    arm.options.strategy.restore(state);
  } catch (e) {
    throw new UserError(`damaged checkpoint ${file}: the ${arm.options.strategyName} strategy cannot take its saved state (${printable((e as Error).message)}); resume from an earlier copy of the run folder or start the run again`);
  }
}
