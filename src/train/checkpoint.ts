import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors';
import { writeFileAtomic } from '../io/files';
import type { ArmStatus, EpochRecord } from '../spec';
import type { Arm } from './arm';

/** Where an arm's checkpoint lives inside its run folder. */
export function checkpointDir(runDir: string): string {
  return path.join(runDir, 'checkpoints');
}

interface TensorEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  /** Offset in 4-byte words into the epoch's .bin file. */
  offset: number;
}

/** The JSON half of a checkpoint; tensors go to a binary file named after the epoch. */
interface CheckpointFile {
  format: 1;
  arm: string;
  epochsCompleted: number;
  status: ArmStatus;
  stopReason?: string;
  wallTime: number;
  /** Steps trained since the arm started: where the learning-rate schedule resumes. */
  globalStep?: number;
  records: EpochRecord[];
  dataRng: object;
  dropoutRng: object;
  strategy: unknown;
  binFile: string;
  weights: TensorEntry[];
  optimizer: TensorEntry[];
}

function pack(named: { name: string; tensor: tf.Tensor }[], words: number[], out: TensorEntry[], chunks: Float32Array[]): void {
  for (const { name, tensor } of named) {
    const data = tensor.dataSync();
    const asFloat = tensor.dtype === 'int32' ? new Float32Array(new Int32Array(data).buffer) : new Float32Array(data);
    out.push({ name, shape: tensor.shape, dtype: tensor.dtype as 'float32' | 'int32', offset: words[0] });
    chunks.push(asFloat);
    words[0] += asFloat.length;
  }
}

/**
 * Saves an arm after a finished epoch: model weights, optimizer state, strategy state, both
 * random streams and its records. The tensors go to `<arm>.e<epoch>.bin`, then the JSON
 * that names it is renamed into place, then the previous .bin is removed: at every moment
 * the JSON on disk points at a complete binary file.
 */
export async function saveArmCheckpoint(runDir: string, arm: Arm): Promise<void> {
  const dir = checkpointDir(runDir);
  fs.mkdirSync(dir, { recursive: true });
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
  const binFile = `${arm.name}.e${epochs}.bin`;
  writeFileAtomic(path.join(dir, binFile), new Uint8Array(bin.buffer));
  const jsonFile = path.join(dir, `${arm.name}.json`);
  const previous = fs.existsSync(jsonFile) ? (JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as CheckpointFile).binFile : undefined;
  const ckpt: CheckpointFile = {
    format: 1,
    arm: arm.name,
    epochsCompleted: epochs,
    status: arm.status,
    ...(arm.stopReason ? { stopReason: arm.stopReason } : {}),
    wallTime: arm.wallTime,
    globalStep: arm.globalStep,
    records: arm.records,
    dataRng: arm.options.rng.state(),
    dropoutRng: arm.options.dropoutRng.state(),
    strategy: arm.options.strategy.state?.() ?? null,
    binFile,
    weights,
    optimizer,
  };
  writeFileAtomic(jsonFile, JSON.stringify(ckpt));
  if (previous && previous !== binFile) fs.rmSync(path.join(dir, previous), { force: true });
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

function unpack(entries: TensorEntry[], bin: Float32Array): { name: string; tensor: tf.Tensor }[] {
  return entries.map((e) => {
    const size = e.shape.reduce((a, b) => a * b, 1);
    const slice = bin.slice(e.offset, e.offset + size);
    const values = e.dtype === 'int32' ? new Int32Array(slice.buffer) : slice;
    return { name: e.name, tensor: tf.tensor(values, e.shape, e.dtype) };
  });
}

/** Whether an arm has a checkpoint in this run folder. */
export function hasCheckpoint(runDir: string, armName: string): boolean {
  return fs.existsSync(path.join(checkpointDir(runDir), `${armName}.json`));
}

/** Puts an arm back where its checkpoint left it. */
export async function restoreArmCheckpoint(runDir: string, arm: Arm): Promise<void> {
  const dir = checkpointDir(runDir);
  const jsonFile = path.join(dir, `${arm.name}.json`);
  let ckpt: CheckpointFile;
  let bin: Float32Array;
  try {
    ckpt = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as CheckpointFile;
    const bytes = fs.readFileSync(path.join(dir, ckpt.binFile));
    bin = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  } catch (e) {
    throw new UserError(`${jsonFile}: unreadable checkpoint (${(e as Error).message}); this arm cannot be resumed`);
  }
  const session = arm.options.session;
  const weights = unpack(ckpt.weights, bin);
  const byName = new Map(weights.map((w) => [w.name, w.tensor]));
  const modelWeights = session.model.logits.weights;
  if (modelWeights.length !== weights.length || modelWeights.some((w) => !byName.has(w.originalName))) {
    weights.forEach((w) => w.tensor.dispose());
    throw new UserError(`${jsonFile}: the checkpoint's weights do not fit this experiment's model`);
  }
  modelWeights.forEach((w) => w.write(byName.get(w.originalName)!));
  weights.forEach((w) => w.tensor.dispose());
  if (ckpt.optimizer.length) {
    const all = unpack(ckpt.optimizer, bin);
    const powers = all.filter((w) => w.name.startsWith('__'));
    // setWeights copies the values into new variables of its own
    await session.optimizer.setWeights(all.filter((w) => !w.name.startsWith('__')));
    const o = session.optimizer as unknown as Record<string, tf.Variable | undefined>;
    for (const p of powers) o[p.name.slice(2)]?.assign(p.tensor as tf.Scalar);
    all.forEach((w) => w.tensor.dispose());
  }
  arm.options.rng.restore(ckpt.dataRng);
  arm.options.dropoutRng.restore(ckpt.dropoutRng);
  if (ckpt.strategy !== null) arm.options.strategy.restore?.(ckpt.strategy);
  arm.records.splice(0, arm.records.length, ...ckpt.records);
  arm.wallTime = ckpt.wallTime;
  // checkpoints are taken at epoch ends, so the steps of the records are the step count when older files lack it
  arm.globalStep = ckpt.globalStep ?? ckpt.records.reduce((a, r) => a + r.steps, 0);
  arm.epochsEnded = ckpt.records.length;
  arm.status = ckpt.epochsCompleted >= arm.options.epochs ? 'finished' : ckpt.status === 'diverged' ? 'diverged' : 'running';
  arm.stopReason = arm.status === 'diverged' ? ckpt.stopReason : undefined;
}
