import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { readCifar10 } from './cifar-binary';
import { describeCopy, findCopy, type DatasetSources } from './locate';
import type { DatasetDefinition } from './dataset-contract';

export const cifar10Sources: DatasetSources = {
  forms: [
    { kind: 'archive', name: 'cifar-10-binary.tar.gz', dir: false, distinctive: true, label: 'CIFAR-10 binary archive' },
    {
      kind: 'folder',
      name: 'cifar-10-batches-bin',
      dir: true,
      distinctive: true,
      accept: (p) => fs.existsSync(path.join(p, 'data_batch_1.bin')),
      label: 'unpacked cifar-10-batches-bin/',
    },
  ],
  download: {
    files: [
      {
        url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
        name: 'cifar-10-binary.tar.gz',
        bytes: 170052171,
        sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
      },
    ],
  },
};

export const cifar10Dataset: DatasetDefinition<Record<string, never>> = {
  name: 'cifar10',
  description: 'CIFAR-10 colour images, 50,000 train / 10,000 test 32x32x3, 10 classes (binary version, cifar-10-binary.tar.gz)',
  options: z.object({}).strict(),
  sources: cifar10Sources,
  expected: { train: 50000, test: 10000, inputShape: [32, 32, 3], numClasses: 10 },
  async load(_options, request) {
    const copy = await findCopy('cifar10', cifar10Sources, request);
    const { train, test } = await readCifar10(copy.path);
    return {
      name: 'cifar10',
      inputShape: [32, 32, 3],
      inputDtype: 'float32',
      labelKind: 'categorical',
      numClasses: 10,
      train,
      validation: test,
      source: describeCopy(copy),
      info: [`${train.n} train samples`, `${test.n} test samples`, `x_train shape: (${train.n}, 32, 32, 3)`],
    };
  },
};
