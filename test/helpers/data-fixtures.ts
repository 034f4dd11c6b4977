/** Small dataset files the data tests write themselves. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { zipSync } from 'fflate';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import * as tar from 'tar';

const created: string[] = [];

/** A fresh temporary folder, removed after the test file that made it (see afterAll below). */
export function tempDir(prefix = 'isb-data-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

// Registered at import, so every test file that uses these helpers cleans up after itself
// (the IMDB tests leave tens of MB of parse cache otherwise).
afterAll(() => {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * The raw corpora beside the checkout (`../shared/datasets`, also in CI). Resolved from the test
 * folder, never named by product code; tests that need them skip with a printed reason.
 */
export const SHARED_DATASETS = path.resolve(__dirname, '../../../shared/datasets');

export function sharedCorpus(file: string): string | undefined {
  const p = path.join(SHARED_DATASETS, file);
  if (fs.existsSync(p)) return p;
  console.warn(`skipping tests that need ${p}: not present (the shared datasets folder is not beside this checkout)`);
  return undefined;
}

/** Writes `entries` into a fresh folder and packs them as a .tar.gz at `file`. */
export function writeTarGz(file: string, entries: { path: string; content: string | Uint8Array }[]): string {
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'isb-tar-'));
  for (const e of entries) {
    const p = path.join(stage, e.path);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, e.content);
  }
  tar.c({ gzip: true, file, cwd: stage, sync: true, portable: true }, entries.map((e) => e.path));
  fs.rmSync(stage, { recursive: true, force: true });
  return file;
}

/** One Reuters-21578 SGML document, in the layout of the real files. */
export function reutersDoc(d: { newId: number; topics: string[]; body?: string; title?: string }): string {
  const text =
    d.body !== undefined
      ? `<TEXT>&#2;\n<TITLE>${d.title ?? 'TITLE'}</TITLE>\n<DATELINE>    NEW YORK, March 1 - </DATELINE><BODY>${d.body}\n Reuter\n&#3;</BODY></TEXT>`
      : `<TEXT TYPE="BRIEF">&#2;\n******<TITLE>${d.title ?? 'TITLE'}\n</TITLE>Blah blah blah.\n&#3;\n\n</TEXT>`;
  return (
    `<REUTERS TOPICS="${d.topics.length ? 'YES' : 'NO'}" LEWISSPLIT="TRAIN" CGISPLIT="TRAINING-SET" OLDID="${5000 + d.newId}" NEWID="${d.newId}">\n` +
    `<DATE>26-FEB-1987 15:01:01.79</DATE>\n<TOPICS>${d.topics.map((t) => `<D>${t}</D>`).join('')}</TOPICS>\n` +
    `<PLACES><D>usa</D></PLACES>\n<PEOPLE></PEOPLE>\n<ORGS></ORGS>\n<EXCHANGES></EXCHANGES>\n<COMPANIES></COMPANIES>\n` +
    `<UNKNOWN> \n&#5;&#5;&#5;C T\n</UNKNOWN>\n${text}\n</REUTERS>\n`
  );
}

export function sgmlFile(docs: string[]): string {
  return `<!DOCTYPE lewis SYSTEM "lewis.dtd">\n${docs.join('')}`;
}

// Written by numpy 2.4 with np.savez (zip64 headers, pickled object arrays, protocol 4):
//   x_train = [[1, 14, 22, 16], [5, 300, 70000], []], y_train = [1, 0, 1] (int64),
//   x_test = [[2, 2, 9], [17]], y_test = [0, 1]; the layout of Keras' imdb.npz.
export const NUMPY_IMDB_LIKE_NPZ =
  'UEsDBC0AAAAAAAAAIQAoD0Mh//////////8LABQAeF90cmFpbi5ucHkBABAAMQEAAAAAAAAxAQAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJ3xPJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKgASVpgAAAAAAAACMFm51bXB5Ll9jb3JlLm11bHRpYXJyYXmUjAxfcmVjb25zdHJ1Y3SUk5SMBW51bXB5lIwHbmRhcnJheZSTlEsAhZRDAWKUh5RSlChLAUsDhZRoA4wFZHR5cGWUk5SMAk84lImIh5RSlChLA4wBfJROTk5K/////0r/////Sz90lGKJXZQoXZQoSwFLDksWSxBlXZQoSwVNLAFKcBEBAGVdlGV0lGIuUEsDBC0AAAAAAAAAIQCis9BL//////////8LABQAeV90cmFpbi5ucHkBABAAmAAAAAAAAACYAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxpOCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgzLCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAQAAAAAAAAAAAAAAAAAAAAEAAAAAAAAAUEsDBC0AAAAAAAAAIQA2erUy//////////8KABQAeF90ZXN0Lm5weQEAEAAkAQAAAAAAACQBAAAAAAAAk05VTVBZAQB2AHsnZGVzY3InOiAnfE8nLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAqABJWZAAAAAAAAAIwWbnVtcHkuX2NvcmUubXVsdGlhcnJheZSMDF9yZWNvbnN0cnVjdJSTlIwFbnVtcHmUjAduZGFycmF5lJOUSwCFlEMBYpSHlFKUKEsBSwKFlGgDjAVkdHlwZZSTlIwCTziUiYiHlFKUKEsDjAF8lE5OTkr/////Sv////9LP3SUYoldlChdlChLAksCSwllXZRLEWFldJRiLlBLAwQtAAAAAAAAACEAfmr7yf//////////CgAUAHlfdGVzdC5ucHkBABAAkAAAAAAAAACQAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxpOCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgyLCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAAAAAAAAAAABAAAAAAAAAFBLAQItAy0AAAAAAAAAIQAoD0MhMQEAADEBAAALAAAAAAAAAAAAAACAAQAAAAB4X3RyYWluLm5weVBLAQItAy0AAAAAAAAAIQCis9BLmAAAAJgAAAALAAAAAAAAAAAAAACAAW4BAAB5X3RyYWluLm5weVBLAQItAy0AAAAAAAAAIQA2erUyJAEAACQBAAAKAAAAAAAAAAAAAACAAUMCAAB4X3Rlc3QubnB5UEsBAi0DLQAAAAAAAAAhAH5q+8mQAAAAkAAAAAoAAAAAAAAAAAAAAIABowMAAHlfdGVzdC5ucHlQSwUGAAAAAAQABADiAAAAbwQAAAAA';

// np.savez_compressed by numpy 2.4, the layout of Keras' reuters.npz:
//   x = [[1, 2], [3], [4, 5, 6], [7], [8, 9]] (object array), y = [0, 1, 2, 1, 0] (int64)
export const NUMPY_REUTERS_LIKE_NPZ =
  'UEsDBC0AAAAIAAAAIQC8RBvH//////////8FABQAeC5ucHkBABAAOQEAAAAAAADcAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loF7jr66joJ6WX1RSlJgXn1+UkgoSdkvMKU4FihdnJBakAvkapjqaOgq1CpQArgaWqesYIKBHLK80t6BSLz45vyhVL7c0pyQzsagosXJKD098UWpyfl5xSVFpcsmUyVN6WMEqp/Sw56VAlEye4s3QOsWZMWlK+5SgKRrejN6srVMymHtYU0oqC1JBWpj8LaZ0dkBkmXsYa6b4+fl5/QcCMOFtXzIlqTN2ikYsWDNTauwUb+ZEEIfFm9WbDcRlB3M5vDlTU4Fq9QBQSwMELQAAAAgAAAAhAFJcd6r//////////wUAFAB5Lm5weQEAEACoAAAAAAAAAE4AAAAAAAAAm+wX6hsQychQxlCtnpJanFykbqWgbpNpoa6joJ6WX1RSlJgXn1+UkgoSd0vMKU4FihdnJBakAvkapjqaOgq1ChQALgYoYITSTGh8GAAAUEsBAi0DLQAAAAgAAAAhALxEG8fcAAAAOQEAAAUAAAAAAAAAAAAAAIABAAAAAHgubnB5UEsBAi0DLQAAAAgAAAAhAFJcd6pOAAAAqAAAAAUAAAAAAAAAAAAAAIABEwEAAHkubnB5UEsFBgAAAAACAAIAZgAAAJgBAAAAAA==';

/** A tiny aclImdb corpus whose Keras sequences are worked out by hand in data-imdb.test.ts. */
export const TINY_ACLIMDB: { path: string; content: string }[] = [
  { path: 'aclImdb/train/neg/0_1.txt', content: 'Bad movie. Bad, BAD acting!<br /><br />Terrible.' },
  { path: 'aclImdb/train/neg/1_2.txt', content: 'Not good; the plot was bad.' },
  { path: 'aclImdb/train/pos/0_9.txt', content: 'A good movie, a GREAT movie.' },
  { path: 'aclImdb/train/pos/1_10.txt', content: 'Great acting & a good plot.' },
  { path: 'aclImdb/test/neg/0_3.txt', content: 'Bad plot, unseen words.' },
  { path: 'aclImdb/test/pos/0_8.txt', content: 'Good good movie' },
  { path: 'aclImdb/train/unsup/0_0.txt', content: 'unlabelled reviews are not used' },
  { path: 'aclImdb/imdb.vocab', content: 'the\nand\n' },
];

// ---------------------------------------------------------------- files of the user's own formats

/** numpy's .npy format 1.0: magic, header dict padded with spaces to a 64-byte boundary, C-order data. */
export function npyBytes(descr: string, shape: number[], data: ArrayBufferView): Buffer {
  const shapeText = `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header = header + ' '.repeat(pad % 64) + '\n';
  const prefix = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(prefix);
  prefix.writeUInt16LE(header.length, 8);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

/** A .npz (zip of .npy members), deflated or stored, as np.savez_compressed / np.savez write it. */
export function npzBytes(members: Record<string, Buffer>, compress = true): Buffer {
  const entries = Object.fromEntries(Object.entries(members).map(([name, bytes]) => [`${name}.npy`, new Uint8Array(bytes)]));
  return Buffer.from(zipSync(entries, { level: compress ? 6 : 0 }));
}

/** A PNG of `width` x `height` RGBA pixels from `pixel(x, y)`, written by pngjs with the given colour type. */
export function pngBytes(width: number, height: number, pixel: (x: number, y: number) => [number, number, number, number?], colorType: 0 | 2 | 4 | 6 = 6): Buffer {
  const png = new PNG({ width, height, colorType, inputColorType: 6, bitDepth: 8 });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b, a = 255] = pixel(x, y);
      png.data.set([r, g, b, a], (y * width + x) * 4);
    }
  }
  return PNG.sync.write(png, { colorType, inputColorType: 6 });
}

/** A baseline JPEG written by jpeg-js. */
export function jpegBytes(width: number, height: number, pixel: (x: number, y: number) => [number, number, number], quality = 95): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([...pixel(x, y), 255], (y * width + x) * 4);
  }
  return jpeg.encode({ data, width, height }, quality).data;
}

/** Writes files under `root` ({"cat/1.png": bytes}), creating folders. */
export function writeTree(root: string, files: Record<string, string | Uint8Array>): string {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
  return root;
}

// np.savez_compressed by numpy 2.4 in Keras' layout:
//   x_train = arange(12, dtype=float32).reshape(4, 3) / 10, y_train = [0, 1, 2, 1] (int64),
//   x_test = [[1.5, 2.5, 3.5]] (float64), y_test = [2] (uint8)
export const NUMPY_KERAS_LAYOUT_NPZ =
  'UEsDBC0AAAAIAAAAIQBsKYJN//////////8LABQAeF90cmFpbi5ucHkBABAAsAAAAAAAAABxAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loG6TZqKuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GiY6CsaaOgq1CmQDLgYgOHvmjO3ZMz52s2bOtAOy7YBC9rNmStobGxvbA8Xt09LS7BkYGoDsHnsAUEsDBC0AAAAIAAAAIQC+xP+T//////////8LABQAeV90cmFpbi5ucHkBABAAoAAAAAAAAABMAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loG6TaaGuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GiY6mjoKtQoUAC4GKGCE0kxofABQSwMELQAAAAgAAAAhAHF12Gz//////////woAFAB4X3Rlc3QubnB5AQAQAJgAAAAAAAAAUgAAAAAAAACb7BfqGxDJyFDGUK2eklqcXKRupaBuk2ahrqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RqGOgrGmjoKtQpkAy4GMPhhD6FZHCA0jwMAUEsDBC0AAAAIAAAAIQDB469Z//////////8KABQAeV90ZXN0Lm5weQEAEACBAAAAAAAAAEUAAAAAAAAAm+wX6hsQychQxlCtnpJanFykbqWgXlNqqK6joJ6WX1RSlJgXn1+UkgoSd0vMKU4FihdnJBakAvkahjqaOgq1ChQALiYAUEsBAi0DLQAAAAgAAAAhAGwpgk1xAAAAsAAAAAsAAAAAAAAAAAAAAIABAAAAAHhfdHJhaW4ubnB5UEsBAi0DLQAAAAgAAAAhAL7E/5NMAAAAoAAAAAsAAAAAAAAAAAAAAIABrgAAAHlfdHJhaW4ubnB5UEsBAi0DLQAAAAgAAAAhAHF12GxSAAAAmAAAAAoAAAAAAAAAAAAAAIABNwEAAHhfdGVzdC5ucHlQSwECLQMtAAAACAAAACEAweOvWUUAAACBAAAACgAAAAAAAAAAAAAAgAHFAQAAeV90ZXN0Lm5weVBLBQYAAAAABAAEAOIAAABGAgAAAAA=';
