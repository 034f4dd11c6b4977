/**
 * Keras text preprocessing, as Keras built its IMDB and Reuters word-index datasets:
 * `text_to_word_sequence` (lower-case, punctuation filter, split) and a Tokenizer-style
 * ranking of words by training-set frequency.
 */

/** Keras' default `filters` of Tokenizer / text_to_word_sequence. */
export const KERAS_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n';

const FILTER_PATTERN = new RegExp(`[${KERAS_FILTERS.replace(/[\\\]^-]/g, '\\$&')}]`, 'g');
const LINE_BREAK_TAG = /<br \/>/g;
const WHITESPACE = /\s+/;

/**
 * Words of a text: lower-cased, `<br />` line-break tags (IMDB reviews hold them) replaced by a
 * space, every Keras filter character replaced by a space, split on whitespace, empties dropped.
 * Keras splits on ' ' after mapping \t and \n; splitting on any whitespace differs only for rare
 * characters such as \r or no-break spaces, which Keras would keep inside a word.
 */
export function textToWords(text: string): string[] {
  const cleaned = text.toLowerCase().replace(LINE_BREAK_TAG, ' ').replace(FILTER_PATTERN, ' ');
  const words = cleaned.split(WHITESPACE);
  // split leaves an empty first/last element around leading/trailing whitespace
  if (words.length > 0 && words[0] === '') words.shift();
  if (words.length > 0 && words[words.length - 1] === '') words.pop();
  return words;
}

/**
 * Interns words as dense provisional ids (0, 1, 2, ... in order of first appearance), so
 * documents can be stored as Int32Arrays before the frequency ranking is known.
 */
export class WordInterner {
  private readonly ids = new Map<string, number>();
  readonly words: string[] = [];

  idsOf(words: string[]): Int32Array {
    const out = new Int32Array(words.length);
    for (let i = 0; i < words.length; i++) {
      let id = this.ids.get(words[i]);
      if (id === undefined) {
        id = this.words.length;
        this.ids.set(words[i], id);
        this.words.push(words[i]);
      }
      out[i] = id;
    }
    return out;
  }

  get size(): number {
    return this.words.length;
  }
}

/**
 * Frequency ranks (1 = most frequent) of provisional word ids, counted over the training
 * documents only, in the order given. Ties keep first-seen order in those documents, which is
 * what Keras' Tokenizer does (its word_counts is an insertion-ordered dict and Python's sort is
 * stable). Words that never occur in training get rank 0 (unknown).
 */
export function rankByTrainFrequency(trainDocs: Int32Array[], vocabularySize: number): { rank: Int32Array; distinct: number } {
  const counts = new Int32Array(vocabularySize);
  const firstSeen = new Int32Array(vocabularySize).fill(-1);
  let seen = 0;
  for (const doc of trainDocs) {
    for (let i = 0; i < doc.length; i++) {
      const id = doc[i];
      if (counts[id] === 0) firstSeen[id] = seen++;
      counts[id]++;
    }
  }
  const inTrain: number[] = [];
  for (let id = 0; id < vocabularySize; id++) if (counts[id] > 0) inTrain.push(id);
  inTrain.sort((a, b) => counts[b] - counts[a] || firstSeen[a] - firstSeen[b]);
  const rank = new Int32Array(vocabularySize);
  for (let r = 0; r < inTrain.length; r++) rank[inTrain[r]] = r + 1;
  return { rank, distinct: inTrain.length };
}
