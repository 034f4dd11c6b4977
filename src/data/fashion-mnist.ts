import { z } from 'zod';
import type { DatasetDefinition, LoadRequest } from './dataset-contract';
import { IDX_FOLDER_FORM, mnistLayoutDataset, readMnistLike } from './idx-layout';
import { describeCopy, findCopy, type DatasetSources } from './locate';

/** Where Debian's dataset-fashion-mnist package installs the four gzipped IDX files. */
export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

const S3 = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com';

export const fashionMnistSources: DatasetSources = {
  // Same file names as MNIST, so only ever found in a fashion-mnist/ folder (the Keras cache uses that name too).
  forms: [IDX_FOLDER_FORM],
  packaged: [
    {
      label: 'Debian package dataset-fashion-mnist',
      dir: () => DEBIAN_FASHION_MNIST_DIR,
      install: 'run `apt-get install dataset-fashion-mnist` (Debian/Ubuntu)',
    },
  ],
  download: {
    files: [
      { url: `${S3}/train-images-idx3-ubyte.gz`, name: 'train-images-idx3-ubyte.gz', bytes: 26421880, sha256: '3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84' },
      { url: `${S3}/train-labels-idx1-ubyte.gz`, name: 'train-labels-idx1-ubyte.gz', bytes: 29515, sha256: 'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845' },
      { url: `${S3}/t10k-images-idx3-ubyte.gz`, name: 't10k-images-idx3-ubyte.gz', bytes: 4422102, sha256: '346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073' },
      { url: `${S3}/t10k-labels-idx1-ubyte.gz`, name: 't10k-labels-idx1-ubyte.gz', bytes: 5148, sha256: '67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5' },
    ],
  },
};

export const fashionMnistDataset: DatasetDefinition<Record<string, never>> = {
  name: 'fashion-mnist',
  description: 'Fashion-MNIST (Zalando) clothing images, 60,000 train / 10,000 test 28x28, 10 classes (IDX files)',
  options: z.object({}).strict(),
  sources: fashionMnistSources,
  expected: { train: 60000, test: 10000, inputShape: [28, 28, 1], numClasses: 10 },
  async load(_options, request: LoadRequest) {
    const copy = await findCopy('fashion-mnist', fashionMnistSources, request);
    return mnistLayoutDataset('fashion-mnist', await readMnistLike(copy, request.trainRows), describeCopy(copy));
  },
};
