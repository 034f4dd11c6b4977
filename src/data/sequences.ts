/**
 * Word-id sequences the way keras.datasets.{imdb,reuters}.load_data hands them out, and the two
 * ways the reference models consume them: padded (pad_sequences) or a binary bag of words
 * (Tokenizer.sequences_to_matrix(mode='binary')).
 */
import { checkDataSize } from './data-limit';

/** load_data's defaults: 0 is padding, 1 marks the start, 2 replaces dropped words, real words start at 3. */
export const START_CHAR = 1;
export const OOV_CHAR = 2;
export const INDEX_FROM = 3;

/**
 * One document as load_data returns it: [start_char] + (rank + index_from), where any id that
 * is not below `numWords` (and any word of unknown rank 0) becomes oov_char.
 */
export function kerasSequence(ranks: ArrayLike<number>, numWords: number): Int32Array {
  const out = new Int32Array(ranks.length + 1);
  out[0] = START_CHAR;
  for (let i = 0; i < ranks.length; i++) {
    const r = ranks[i];
    const id = r + INDEX_FROM;
    out[i + 1] = r > 0 && id < numWords ? id : OOV_CHAR;
  }
  return out;
}

/** Variable-length sequences stored flat: doc i is tokens[offsets[i] .. offsets[i+1]). */
export interface PackedSequences {
  tokens: Int32Array | Uint16Array;
  offsets: Int32Array;
}

export function packSequences(seqs: Int32Array[], numWords: number): PackedSequences {
  const offsets = new Int32Array(seqs.length + 1);
  for (let i = 0; i < seqs.length; i++) offsets[i + 1] = offsets[i] + seqs[i].length;
  // ids are < numWords, so most vocabularies fit in 16 bits: half the cache size and load time
  const tokens = numWords <= 65536 ? new Uint16Array(offsets[seqs.length]) : new Int32Array(offsets[seqs.length]);
  for (let i = 0; i < seqs.length; i++) tokens.set(seqs[i], offsets[i]);
  return { tokens, offsets };
}

export function sequenceCount(packed: PackedSequences): number {
  return packed.offsets.length - 1;
}

/** Mean sequence length (start char included, as Keras' examples print it). */
export function meanLength(packed: PackedSequences): number {
  const n = sequenceCount(packed);
  return n === 0 ? 0 : packed.offsets[n] / n;
}

/**
 * pad_sequences with Keras' defaults: every row `maxlen` long, padded with 0 at the front
 * ('pre') and, when too long, keeping the last `maxlen` ids ('pre' truncation).
 */
export function padSequences(packed: PackedSequences, maxlen: number): Int32Array {
  const n = sequenceCount(packed);
  checkDataSize('dataset.maxlen', n * maxlen * 4, `${n} samples x maxlen ${maxlen} int32 ids`, 'use a smaller maxlen (or --limit)');
  const out = new Int32Array(n * maxlen);
  for (let i = 0; i < n; i++) {
    const start = packed.offsets[i];
    const end = packed.offsets[i + 1];
    const take = Math.min(maxlen, end - start);
    // last `take` ids of the document, right-aligned in its row
    out.set(packed.tokens.subarray(end - take, end), i * maxlen + (maxlen - take));
  }
  return out;
}

/** sequences_to_matrix(mode='binary'): row i has 1 in column j when id j occurs in doc i (j < numWords). */
export function binaryMatrix(packed: PackedSequences, numWords: number): Float32Array {
  const n = sequenceCount(packed);
  checkDataSize('dataset.numWords', n * numWords * 4, `${n} samples x numWords ${numWords} float32 values (binary-matrix)`, "use a smaller numWords, or mode 'sequences'");
  const out = new Float32Array(n * numWords);
  for (let i = 0; i < n; i++) {
    for (let k = packed.offsets[i]; k < packed.offsets[i + 1]; k++) {
      const j = packed.tokens[k];
      if (j < numWords) out[i * numWords + j] = 1;
    }
  }
  return out;
}

/** The documents at `order` positions, in that order (for seeded shuffles). */
export function reorder<T>(items: T[], order: ArrayLike<number>): T[] {
  const out = new Array<T>(order.length);
  for (let i = 0; i < order.length; i++) out[i] = items[order[i]];
  return out;
}
