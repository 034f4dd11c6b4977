import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../errors';
import { textToWords, WordInterner } from './keras-text';
import { readTarEntries } from './tar-entries';

/** One review of the Large Movie Review Dataset, tokenised to provisional word ids. */
export interface ImdbReview {
  split: 'train' | 'test';
  /** 1 = pos, 0 = neg. */
  label: number;
  /** The number before the underscore in `<id>_<rating>.txt`. */
  id: number;
  words: Int32Array;
}

export interface AclImdbCorpus {
  /** Canonical order: neg before pos, then by numeric id (independent of archive order). */
  train: ImdbReview[];
  test: ImdbReview[];
  words: WordInterner;
}

/** `.../(train|test)/(pos|neg)/<id>_<rating>.txt`; unsup/, urls_*.txt and *.feat are not reviews. */
const REVIEW_PATH = /(?:^|\/)(train|test)\/(pos|neg)\/(\d+)_(\d+)\.txt$/;

const FOLDERS = ['train/neg', 'train/pos', 'test/neg', 'test/pos'] as const;

/**
 * Reads every review of the aclImdb layout, from the archive as published (aclImdb_v1.tar.gz,
 * streamed once; nothing is extracted to disk) or from an unpacked `aclImdb/` folder.
 * Each review is tokenised as it arrives, so only word ids are kept in memory.
 */
export async function readAclImdb(source: string): Promise<AclImdbCorpus> {
  const words = new WordInterner();
  const reviews: ImdbReview[] = [];
  const add = (p: string, text: string) => {
    const m = REVIEW_PATH.exec(p);
    if (!m) return;
    reviews.push({
      split: m[1] as 'train' | 'test',
      label: m[2] === 'pos' ? 1 : 0,
      id: Number(m[3]),
      words: words.idsOf(textToWords(text)),
    });
  };
  if (fs.statSync(source).isDirectory()) {
    for (const folder of FOLDERS) {
      const dir = path.join(source, folder);
      if (!fs.existsSync(dir)) continue;
      for (const name of fs.readdirSync(dir)) add(`${folder}/${name}`, fs.readFileSync(path.join(dir, name), 'utf8'));
    }
  } else {
    await readTarEntries(
      source,
      (p) => REVIEW_PATH.test(p),
      (p, data) => add(p, data.toString('utf8')),
    );
  }
  const count = (split: string, label: number) => reviews.filter((r) => r.split === split && r.label === label).length;
  const missing = FOLDERS.filter((f) => {
    const [split, cls] = f.split('/');
    return count(split, cls === 'pos' ? 1 : 0) === 0;
  });
  if (missing.length > 0) {
    throw new UserError(`${source}: no reviews in ${missing.map((m) => `aclImdb/${m}/`).join(', ')} (not a complete aclImdb copy)`);
  }
  const canonical = (a: ImdbReview, b: ImdbReview) => a.label - b.label || a.id - b.id;
  return {
    train: reviews.filter((r) => r.split === 'train').sort(canonical),
    test: reviews.filter((r) => r.split === 'test').sort(canonical),
    words,
  };
}
