/**
 * JSON Lines: one object per line with a text and a label. The text is vectorised as Keras built
 * IMDB and Reuters (keras-text.ts, sequences.ts): words ranked by training-set frequency,
 * start_char 1, oov_char 2, index_from 3, numWords; then padded sequences or a binary bag of words.
 */
import * as fs from 'fs';
import * as readline from 'readline';
import { UserError } from '../../errors';
import { rankByTrainFrequency, textToWords, WordInterner } from '../keras-text';
import { binaryMatrix, kerasSequence, meanLength, packSequences, padSequences } from '../sequences';
import { checkFileSize, checkInputSize, MAX_TEXT_FILE_BYTES, TEXT_TOO_BIG } from './limits';
import type { JsonlSource } from './options';
import { requireFile } from './paths';
import type { SourceData, SourceSplit } from './source-data';
import type { TextTargets } from './targets';

interface Documents {
  words: Int32Array[];
  labels: string[];
  lines: number[];
}

const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v);

async function readDocuments(file: string, src: JsonlSource, interner: WordInterner, what: string): Promise<Documents> {
  requireFile(file, what);
  checkFileSize(file, MAX_TEXT_FILE_BYTES, 'a jsonl file', TEXT_TOO_BIG.jsonl);
  const docs: Documents = { words: [], labels: [], lines: [] };
  const lines = readline.createInterface({ input: fs.createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNo = 0;
  for await (const raw of lines) {
    lineNo++;
    const text = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (text.trim() === '') continue; // a trailing newline, or a blank separator line
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (e) {
      throw new UserError(`${file}: line ${lineNo}: not valid JSON (${(e as Error).message})`);
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      throw new UserError(`${file}: line ${lineNo}: expected an object like {"${src.textField}": "...", "${src.label}": ...}, got ${kind(obj)}`);
    }
    const record = obj as Record<string, unknown>;
    const keys = () => Object.keys(record).slice(0, 12).map((k) => JSON.stringify(k)).join(', ') || 'none';
    const body = record[src.textField];
    if (body === undefined) throw new UserError(`${file}: line ${lineNo}: no key "${src.textField}" (textField); its keys: ${keys()}`);
    if (typeof body !== 'string') throw new UserError(`${file}: line ${lineNo}, key "${src.textField}": expected a string, got ${kind(body)}`);
    const label = record[src.label];
    if (label === undefined) throw new UserError(`${file}: line ${lineNo}: no key "${src.label}" (label); its keys: ${keys()}`);
    if (typeof label !== 'string' && typeof label !== 'number' && typeof label !== 'boolean') {
      throw new UserError(`${file}: line ${lineNo}, key "${src.label}": a label must be a string, number or boolean, got ${kind(label)}`);
    }
    if (typeof label === 'string' && label.trim() === '') throw new UserError(`${file}: line ${lineNo}, key "${src.label}": empty label`);
    docs.words.push(interner.idsOf(textToWords(body)));
    docs.labels.push(String(label));
    docs.lines.push(lineNo);
  }
  if (docs.words.length === 0) throw new UserError(`${file}: ${lineNo === 0 ? 'empty file' : 'no objects, only blank lines'} (expected one JSON object per line)`);
  return docs;
}

export async function readJsonlSource(src: JsonlSource, files: { train: string; test?: string }): Promise<SourceData> {
  const interner = new WordInterner();
  const train = await readDocuments(files.train, src, interner, 'the training jsonl');
  const test = files.test ? await readDocuments(files.test, src, interner, 'dataset.test') : undefined;
  // ranks from the training documents only, as Keras' Tokenizer fitted on the training texts
  const { rank, distinct } = rankByTrainFrequency(train.words, interner.size);
  const vectorise = (docs: Documents, file: string): { split: SourceSplit; meanLength: number } => {
    const seqs = docs.words.map((w) => kerasSequence(Int32Array.from(w, (id) => rank[id]), src.numWords));
    const packed = packSequences(seqs, src.numWords);
    const width = src.mode === 'sequences' ? src.maxlen : src.numWords;
    checkInputSize(file, seqs.length * width, `${seqs.length} documents of ${width} values`);
    const targets: TextTargets = { kind: 'text', file, values: docs.labels, where: (i) => `line ${docs.lines[i]}, key "${src.label}"` };
    const x = src.mode === 'sequences' ? padSequences(packed, src.maxlen) : binaryMatrix(packed, src.numWords);
    return { split: { x, n: seqs.length, targets }, meanLength: meanLength(packed) };
  };
  const { split: trainSplit, meanLength: mean } = vectorise(train, files.train);
  const testSplit = test ? vectorise(test, files.test!).split : undefined;
  return {
    inputShape: [src.mode === 'sequences' ? src.maxlen : src.numWords],
    inputDtype: src.mode === 'sequences' ? 'int32' : 'float32',
    vocabSize: src.numWords,
    train: trainSplit,
    ...(testSplit ? { test: testSplit } : {}),
    targetName: `label "${src.label}"`,
    info: [
      `jsonl: ${train.words.length} training documents${test ? `, ${test.words.length} test documents` : ''}; ` +
        `${distinct} distinct training words, numWords ${src.numWords}, mean length ${mean.toFixed(1)}; ` +
        (src.mode === 'sequences' ? `padded to ${src.maxlen} ids` : `binary bag of words [${src.numWords}]`),
    ],
  };
}
