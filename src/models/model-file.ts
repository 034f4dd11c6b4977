import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors';
import { makeFolders, writeFileAtomic } from '../io/files';
import { pathInside } from '../io/inside';

/**
 * A tfjs Layers model as `model.save('file://...')` or `tensorflowjs_converter` writes it: a
 * model.json (topology and weights manifest) and the weight files it names beside it. Read
 * here rather than through a file:// handler, which only tfjs-node has: the wasm and cpu
 * backends load the same files from memory (tf.io.fromMemory).
 */

/** A model.json larger than this is not a topology (topologies are kilobytes). */
const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;
/** Weight files larger than this together do not fit a tfjs model in memory anyway. */
const MAX_WEIGHT_BYTES = 2 * 1024 * 1024 * 1024 - 1;

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

interface ManifestGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

function readSized(file: string, max: number, what: string): Buffer {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    throw new UserError(`${file}: no such file (${what})`);
  }
  if (size > max) throw new UserError(`${file}: ${size} bytes, more than the ${max} a ${what} may have`);
  return fs.readFileSync(file);
}

/** Bytes the manifest says a weight takes. */
function weightBytes(w: tf.io.WeightsManifestEntry, where: string): number {
  const dtype = w.quantization?.dtype ?? w.dtype;
  const per = BYTES[dtype];
  if (per === undefined) throw new UserError(`${where}: weight ${w.name} has dtype ${dtype}, which a Layers model's weights cannot have`);
  return w.shape.reduce((a, b) => a * b, 1) * per;
}

/** The model.json document, checked to be a Layers model's. */
function readModelJson(file: string): Record<string, unknown> {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(readSized(file, MAX_MODEL_JSON_BYTES, 'tfjs model.json').toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${file}: not JSON (${(e as Error).message}); model.path must name a tfjs model.json`);
  }
  if (doc === null || typeof doc !== 'object' || typeof doc.modelTopology !== 'object' || doc.modelTopology === null) {
    throw new UserError(`${file}: no modelTopology; model.path must name a tfjs Layers model.json (as model.save() writes it)`);
  }
  if (doc.format === 'graph-model') {
    throw new UserError(`${file}: a tfjs graph model cannot be trained; convert with tensorflowjs_converter --output_format tfjs_layers_model`);
  }
  return doc;
}

/** The layer classes a model.json's topology names (read before a backend is chosen, for its kernels). */
export function modelFileClassNames(file: string): string[] {
  const names = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'class_name' && typeof x === 'string') names.add(x);
        else walk(x);
      }
    }
  };
  walk(readModelJson(file).modelTopology);
  return [...names];
}

/** The model's artifacts (topology, weight specs and data), every file checked. */
export function readModelArtifacts(file: string): tf.io.ModelArtifacts {
  const where = file;
  const doc = readModelJson(file);
  const manifest = doc.weightsManifest ?? [];
  if (!Array.isArray(manifest)) throw new UserError(`${where}: weightsManifest must be a list of {paths, weights}`);
  const folder = path.dirname(path.resolve(file));
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  let total = 0;
  for (const [g, group] of (manifest as ManifestGroup[]).entries()) {
    if (!group || !Array.isArray(group.paths) || !Array.isArray(group.weights)) throw new UserError(`${where}: weightsManifest[${g}] must have paths and weights lists`);
    const expected = group.weights.reduce((a, w) => a + weightBytes(w, where), 0);
    let read = 0;
    const names: string[] = [];
    for (const p of group.paths) {
      if (typeof p !== 'string') throw new UserError(`${where}: weightsManifest[${g}].paths holds ${JSON.stringify(p)}, not a file name`);
      let weightFile: string;
      try {
        weightFile = pathInside(folder, p.split('/'), 'weight file');
      } catch {
        throw new UserError(`${where}: weight file ${JSON.stringify(p)} is not inside the model's folder ${folder}; a model.json may only name files beside it`);
      }
      const bytes = readSized(weightFile, MAX_WEIGHT_BYTES - total, `weight file of ${path.basename(file)}`);
      total += bytes.length;
      read += bytes.length;
      names.push(weightFile);
      buffers.push(bytes);
    }
    if (read !== expected) {
      throw new UserError(
        `${names.join(', ') || where}: ${read} bytes of weights where ${path.basename(file)}'s manifest group ${g} needs ${expected}; the weight files do not belong to this model.json (or are truncated)`,
      );
    }
    specs.push(...group.weights);
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  return { modelTopology: doc.modelTopology as object, weightSpecs: specs, weightData, format: doc.format as string | undefined };
}

/** Loads a model.json on any backend (from memory); a model tfjs cannot build is a UserError naming the file. */
export async function loadModelFile(file: string): Promise<tf.LayersModel> {
  const artifacts = readModelArtifacts(file);
  try {
    return await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (e) {
    throw new UserError(`${file}: tfjs cannot build this model (${(e as Error).message})`);
  }
}

/**
 * Saves `model` as model.save('file://dir') lays it out, on any backend: `<dir>/model.json` and one
 * weights file beside it, each written atomically. Returns the model.json path.
 */
export async function saveModelFiles(model: tf.LayersModel, dir: string, weightsFile = 'group1-shard1of1.bin'): Promise<string> {
  makeFolders(dir);
  const file = path.join(dir, 'model.json');
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData;
      const bytes = Array.isArray(data) ? Buffer.concat(data.map((b) => Buffer.from(b))) : Buffer.from(data ?? new ArrayBuffer(0));
      writeFileAtomic(path.join(dir, weightsFile), bytes);
      const json = { modelTopology: artifacts.modelTopology, format: 'layers-model', generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`, weightsManifest: [{ paths: [weightsFile], weights: artifacts.weightSpecs ?? [] }] };
      writeFileAtomic(file, JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: bytes.length } };
    }),
  );
  return file;
}
