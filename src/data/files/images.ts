/**
 * An image folder in the Keras `image_dataset_from_directory` layout: one subfolder per class
 * (searched recursively), PNG and JPEG files, class names sorted. Every image is resized to
 * imageSize (bilinear, see resize.ts) with 1 or 3 channels and divided by 255.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../../errors';
import { decodeImage, toChannels } from './decode-image';
import { checkInputSize } from './limits';
import type { ImagesSource } from './options';
import { requireDir } from './paths';
import { resizeBilinear } from './resize';
import type { SourceData, SourceSplit } from './source-data';
import { sortClassNames } from './targets';

const IMAGE_FILE = /\.(png|jpe?g)$/i;
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Image files under `dir`, recursively, sorted by relative path; hidden entries are skipped. */
function imageFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => byName(a.name, b.name))) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && IMAGE_FILE.test(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** The class folders of an image folder, sorted as Keras sorts them (numbers numerically). */
export function classFolders(root: string): string[] {
  const names = fs
    .readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name);
  if (names.length === 0) {
    throw new UserError(`${root}: no class folders (expected one subfolder per class holding PNG or JPEG files: ${path.join(root, 'cat', '001.png')}, ...)`);
  }
  return sortClassNames(names);
}

/** Every image of every class folder, listed before any is decoded. */
function listSplit(root: string, what: string): { files: string[]; classes: string[] } {
  requireDir(root, what);
  const files: string[] = [];
  const classes: string[] = [];
  for (const cls of classFolders(root)) {
    const found = imageFiles(path.join(root, cls));
    if (found.length === 0) {
      throw new UserError(`${path.join(root, cls)}: class folder with no PNG or JPEG image (add images or remove the folder)`);
    }
    for (const f of found) {
      files.push(f);
      classes.push(cls);
    }
  }
  return { files, classes };
}

function readSplit(root: string, what: string, src: ImagesSource): SourceSplit & { classCount: number } {
  const { files, classes } = listSplit(root, what);
  const [height, width] = src.imageSize;
  const size = height * width * src.channels;
  checkInputSize(root, files.length * size, `${files.length} images of ${height}x${width}x${src.channels}`);
  const x = new Float32Array(files.length * size);
  files.forEach((file, i) => {
    const img = decodeImage(file);
    const pixels = resizeBilinear(toChannels(img, src.channels), img.height, img.width, src.channels, height, width);
    for (let k = 0; k < size; k++) x[i * size + k] = pixels[k] / 255;
  });
  return {
    x,
    n: files.length,
    targets: { kind: 'text', file: root, values: classes, where: (i) => path.relative(root, files[i]) },
    classCount: new Set(classes).size,
  };
}

export function readImagesSource(src: ImagesSource, dirs: { train: string; test?: string }): SourceData {
  const train = readSplit(dirs.train, 'the training image folder', src);
  const test = dirs.test ? readSplit(dirs.test, 'dataset.test', src) : undefined;
  const [h, w] = src.imageSize;
  return {
    inputShape: [h, w, src.channels],
    inputDtype: 'float32',
    train,
    ...(test ? { test } : {}),
    targetName: 'class folders',
    info: [
      `images: ${train.n} training images in ${train.classCount} class folders${test ? `, ${test.n} test images` : ''}; ` +
        `resized to ${h}x${w} (bilinear), ${src.channels === 1 ? 'grayscale' : 'RGB'}, pixels / 255`,
    ],
  };
}
