/**
 * The layout MNIST and Fashion-MNIST share: a folder with four IDX files (plain or gzipped), or
 * Keras' npz with x_train/y_train/x_test/y_test of 28x28 uint8 images.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../errors';
import type { DataSplit, LoadedDataset } from '../spec';
import { checkDataSize, maxDataBytes } from './data-limit';
import { readIdxFile } from './idx';
import type { DataForm, FoundCopy } from './locate';
import { npyToInt32 } from './npy';
import { readNpz } from './npz';
import { oneHot } from './one-hot';

const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

/** Finds an IDX file in a folder, plain or gzipped. */
function idxFileIn(dir: string, base: string): string | undefined {
  for (const name of [base, `${base}.gz`]) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) return file;
  }
  return undefined;
}

/** A folder holding all four MNIST-layout IDX files (plain or .gz). */
export function hasMnistLayout(dir: string): boolean {
  return Object.values(FILES).every((base) => idxFileIn(dir, base) !== undefined);
}

/** The form shared by MNIST and Fashion-MNIST: a folder with the four IDX files. */
export const IDX_FOLDER_FORM: DataForm = {
  kind: 'idx',
  name: '.',
  dir: true,
  distinctive: false,
  accept: hasMnistLayout,
  label: 'four IDX files (train-images-idx3-ubyte[.gz], ...)',
};

/** An MNIST-layout dataset as read; `trainInFile` counts the training images of the file when only some were read. */
export interface MnistLayout {
  train: DataSplit;
  test: DataSplit;
  trainInFile?: number;
}

/**
 * Reads the four IDX files of an MNIST-layout dataset (MNIST, Fashion-MNIST) from a folder;
 * with `trainRows`, only the first that many training images and labels are inflated.
 */
export async function readMnistLayout(dir: string, trainRows?: number): Promise<MnistLayout> {
  const file = (base: string) => {
    const found = idxFileIn(dir, base);
    if (!found) throw new UserError(`${dir}: missing ${base} (or ${base}.gz)`);
    return found;
  };
  const train = await imagesAndLabels(file(FILES.trainImages), file(FILES.trainLabels), trainRows);
  const test = await imagesAndLabels(file(FILES.testImages), file(FILES.testLabels));
  return { train: train.split, test: test.split, ...(train.inFile > train.split.n ? { trainInFile: train.inFile } : {}) };
}

async function imagesAndLabels(imagesFile: string, labelsFile: string, rows?: number): Promise<{ split: DataSplit; inFile: number }> {
  // each pixel byte becomes a float32
  const images = await readIdxFile(imagesFile, { rows, asFloat32: true });
  const labels = await readIdxFile(labelsFile, { rows });
  if (images.dims.length !== 3) throw new UserError(`${imagesFile}: expected 3 dimensions (n, rows, cols), got ${images.dims.length}`);
  if (labels.dims.length !== 1) throw new UserError(`${labelsFile}: expected 1 dimension (n), got ${labels.dims.length}`);
  const n = images.dims[0];
  if (images.dims[1] !== 28 || images.dims[2] !== 28) {
    throw new UserError(`${imagesFile}: images are ${images.dims[1]}x${images.dims[2]}, expected 28x28 (MNIST layout)`);
  }
  if (n === 0) throw new UserError(`${imagesFile}: holds no images`);
  if (labels.dims[0] !== n) throw new UserError(`${labelsFile}: ${labels.dims[0]} labels for ${n} images in ${imagesFile}`);
  return { split: imageSplit(images.data, Int32Array.from(labels.data), images.rowsRead, labelsFile), inFile: n };
}

function imageSplit(pixels: Uint8Array, ids: Int32Array, n: number, labelsFile: string): DataSplit {
  const x = new Float32Array(pixels.length);
  for (let i = 0; i < x.length; i++) x[i] = pixels[i] / 255;
  for (const id of ids) if (id < 0 || id > 9) throw new UserError(`${labelsFile}: label ${id} is not a class 0-9`);
  return { x, y: oneHot(ids, 10), labels: ids, n };
}

/** Keras' mnist.npz: x_train (60000, 28, 28) uint8, y_train, x_test, y_test. */
export function readMnistNpz(file: string): { train: DataSplit; test: DataSplit } {
  const npz = readNpz(file);
  const split = (xName: string, yName: string): DataSplit => {
    const x = npz.get(xName);
    const where = `${file} (${xName}.npy)`;
    if (x.kind !== 'numeric' || x.dtype !== 'u1' || x.shape.length !== 3 || x.shape[1] !== 28 || x.shape[2] !== 28) {
      throw new UserError(`${where}: expected uint8 images of shape (n, 28, 28), found ${x.dtype} ${x.shape.join('x')}`);
    }
    checkDataSize(where, x.data.length * 4, `${x.shape.join('x')} images as float32`, 'use a smaller file', maxDataBytes());
    const labels = npyToInt32(npz.get(yName), `${file} (${yName}.npy)`);
    if (labels.length !== x.shape[0]) throw new UserError(`${file} (${yName}.npy): ${labels.length} labels for ${x.shape[0]} images`);
    return imageSplit(x.data as Uint8Array, labels, x.shape[0], `${file} (${yName}.npy)`);
  };
  return { train: split('x_train', 'y_train'), test: split('x_test', 'y_test') };
}

export function mnistLayoutDataset(name: string, ds: MnistLayout, source: string): LoadedDataset {
  return {
    name,
    inputShape: [28, 28, 1],
    inputDtype: 'float32',
    labelKind: 'categorical',
    numClasses: 10,
    train: ds.train,
    validation: ds.test,
    source,
    info: [
      ds.trainInFile !== undefined ? `${ds.trainInFile} train samples (--limit: read only the first ${ds.train.n})` : `${ds.train.n} train samples`,
      `${ds.test.n} test samples`,
    ],
  };
}

/** Loads an MNIST-layout copy in whichever form was found; `trainRows` as in readMnistLayout. */
export async function readMnistLike(copy: FoundCopy, trainRows?: number): Promise<MnistLayout> {
  return copy.form.kind === 'npz' ? readMnistNpz(copy.path) : readMnistLayout(copy.path, trainRows);
}

