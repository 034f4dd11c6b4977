/** format: images — class folders of PNG and JPEG files, decoded by pngjs / jpeg-js, resized bilinearly. */
import * as tf from '@tensorflow/tfjs';
import { resizeBilinear } from '../src/data/files/resize';
import { Rng } from '../src/rng';
import { jpegBytes, pngBytes, tempDir, writeTree } from './helpers/data-fixtures';
import { file, loadError, loadFiles } from './helpers/data-files';

const dir = tempDir('isb-images-');

const solid = (rgb: [number, number, number], alpha?: number) => () => [...rgb, alpha] as [number, number, number, number?];
const RED: [number, number, number] = [255, 0, 0];
const BLUE: [number, number, number] = [0, 0, 255];

const FOLDER = writeTree(file(dir, 'pets'), {
  'cat/001.png': pngBytes(6, 4, solid(RED)), // RGBA
  'cat/002.png': pngBytes(3, 5, () => [128, 128, 128], 0), // greyscale PNG
  'cat/nested/003.PNG': pngBytes(2, 2, solid(RED, 10), 6), // alpha is dropped
  'cat/notes.txt': 'not an image',
  'cat/.hidden.png': 'not even an image',
  'dog/a.jpg': jpegBytes(8, 8, () => BLUE, 100),
  'dog/b.jpeg': jpegBytes(5, 3, () => BLUE, 100),
  'dog/c.png': jpegBytes(4, 4, () => BLUE, 100), // named .png, holds a JPEG: told by content
  'README.md': 'files beside the class folders are ignored',
});

describe('reading a folder', () => {
  test('classes sorted, images found recursively, resized, RGB / 255', async () => {
    const ds = await loadFiles('images', { path: FOLDER, imageSize: [4, 4], shuffle: false }, { validation: { holdout: 0.2 } });
    expect(ds.inputShape).toEqual([4, 4, 3]);
    expect(ds.classNames).toEqual(['cat', 'dog']);
    expect(ds.train.n + ds.validation.n).toBe(6);
    expect(Array.from(ds.train.labels)).toEqual([0, 0, 0, 1]);
    const pixel = (split: typeof ds.train, i: number, p: number) => Array.from(split.x.subarray(i * 48 + p * 3, i * 48 + p * 3 + 3));
    expect(pixel(ds.train, 0, 5)).toEqual([1, 0, 0]);
    expect(pixel(ds.train, 1, 15)).toEqual([128, 128, 128].map((v) => Math.fround(v / 255)));
    expect(pixel(ds.train, 2, 0)).toEqual([1, 0, 0]);
    for (const v of [...pixel(ds.train, 3, 7), ...pixel(ds.validation, 0, 3)]) expect([0, 1]).toContainEqual(Math.round(v));
    expect(pixel(ds.train, 3, 7)[2]).toBeGreaterThan(0.97);
    expect(ds.info[0]).toBe('images: 6 training images in 2 class folders; resized to 4x4 (bilinear), RGB, pixels / 255');
  });

  test('channels: 1 uses the luma weights of tf.image.rgb_to_grayscale; grey stays exact', async () => {
    const ds = await loadFiles('images', { path: FOLDER, imageSize: [2, 3], channels: 1, shuffle: false }, { validation: { holdout: 0.2 } });
    expect(ds.inputShape).toEqual([2, 3, 1]);
    expect(ds.train.x[0]).toBeCloseTo(0.2989, 5);
    expect(ds.train.x[6] * 255).toBeCloseTo(128, 4);
  });

  test('a test folder is read with the training classes; target: binary', async () => {
    const test = writeTree(file(dir, 'pets-test'), { 'dog/x.png': pngBytes(2, 2, solid(BLUE)) });
    const ds = await loadFiles('images', { train: FOLDER, test, imageSize: [2, 2], target: 'binary' });
    expect(ds.labelKind).toBe('binary');
    expect(Array.from(ds.validation.y)).toEqual([1]);
  });
});

describe('bilinear resizing', () => {
  const random = (n: number, seed: number) => {
    const rng = new Rng(seed);
    return Float32Array.from({ length: n }, () => Math.round(rng.next() * 255));
  };
  test.each([
    [7, 5, 3, 4],
    [2, 3, 5, 7],
    [6, 6, 3, 3],
    [9, 4, 9, 4],
  ])('%ix%i -> %ix%i equals tf.image.resizeBilinear with half-pixel centres', (h, w, oh, ow) => {
    const src = random(h * w * 3, h * 100 + w);
    const ours = resizeBilinear(src, h, w, 3, oh, ow);
    const theirs = tf.tidy(() => tf.image.resizeBilinear(tf.tensor3d(src, [h, w, 3]), [oh, ow], false, true).dataSync() as Float32Array);
    expect(ours.length).toBe(theirs.length);
    ours.forEach((v, i) => expect(v).toBeCloseTo(theirs[i], 3));
  });
});

describe('bad folders: one line naming the file or folder', () => {
  test('an image that does not decode', async () => {
    const root = writeTree(file(dir, 'broken'), { 'a/ok.png': pngBytes(2, 2, solid(RED)), 'b/bad.png': 'this is no PNG', 'b/ok.png': pngBytes(2, 2, solid(BLUE)) });
    expect(await loadError('images', { path: root, imageSize: [2, 2] }, { validation: { holdout: 0.5 } })).toBe(
      `${file(root, 'b/bad.png')}: cannot decode the image (neither PNG nor JPEG by its content); re-save it as PNG or JPEG, or remove it from the folder`,
    );
  });

  test('a truncated JPEG and a truncated PNG', async () => {
    const jpg = jpegBytes(16, 16, (x, y) => [x * 16, y * 16, 0]);
    const png = pngBytes(16, 16, (x, y) => [x * 16, y * 16, 0, 255]);
    const root = writeTree(file(dir, 'truncated'), { 'a/cut.jpg': jpg.subarray(0, jpg.length >> 1), 'b/cut.png': png.subarray(0, png.length - 20) });
    expect(await loadError('images', { path: root, imageSize: [2, 2] }, { validation: { holdout: 0.5 } })).toMatch(/a\/cut\.jpg: cannot decode the image \(JPEG: .+\)/);
    const onlyPng = writeTree(file(dir, 'truncated-png'), { 'a/ok.png': pngBytes(2, 2, solid(RED)), 'b/cut.png': png.subarray(0, png.length - 20) });
    expect(await loadError('images', { path: onlyPng, imageSize: [2, 2] }, { validation: { holdout: 0.5 } })).toMatch(/b\/cut\.png: cannot decode the image \(PNG: .+\)/);
  });

  test('a class folder with no images', async () => {
    const root = writeTree(file(dir, 'empty-class'), { 'a/1.png': pngBytes(2, 2, solid(RED)), 'b/readme.txt': 'no images here' });
    expect(await loadError('images', { path: root, imageSize: [2, 2] }, { validation: { holdout: 0.5 } })).toBe(
      `${file(root, 'b')}: class folder with no PNG or JPEG image (add images or remove the folder)`,
    );
  });

  test('a folder without class folders', async () => {
    const root = writeTree(file(dir, 'flat'), { '1.png': pngBytes(2, 2, solid(RED)) });
    expect(await loadError('images', { path: root, imageSize: [2, 2] }, { validation: { holdout: 0.5 } })).toMatch(/flat: no class folders \(expected one subfolder per class/);
  });

  test('a test class never seen in training', async () => {
    const test = writeTree(file(dir, 'unseen-test'), { 'bird/1.png': pngBytes(2, 2, solid(RED)) });
    expect(await loadError('images', { train: FOLDER, test, imageSize: [2, 2] })).toBe(
      `${test}: bird/1.png: class "bird" does not occur in the training data (${FOLDER}); every test class must be seen in training (classes: cat, dog)`,
    );
  });

  test('a path that does not exist, and a file where the folder should be', async () => {
    expect(await loadError('images', { path: file(dir, 'nowhere'), imageSize: [2, 2] }, { validation: { holdout: 0.5 } })).toMatch(/nowhere: no such file or folder \(dataset\.path/);
    expect(await loadError('images', { path: file(FOLDER, 'README.md'), imageSize: [2, 2] }, { validation: { holdout: 0.5 } })).toMatch(/README\.md: dataset\.path must be a folder/);
  });
});
