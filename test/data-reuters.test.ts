import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../src/errors';
import { loadDataset } from '../src/data/registry';
import { buildTopicTask, parseReutersSgml, readReutersCorpus, REUTERS_FILES } from '../src/data/reuters-sgml';
import { reutersDoc, sgmlFile, sharedCorpus, tempDir, writeTarGz } from './helpers/data-fixtures';

describe('Reuters-21578 SGML parser', () => {
  test('extracts NEWID, topics in order and the body; briefs fall back to their text', () => {
    const docs = parseReutersSgml(
      sgmlFile([
        reutersDoc({ newId: 1, topics: ['cocoa'], body: 'Showers continued throughout the week.' }),
        reutersDoc({ newId: 2, topics: ['grain', 'wheat', 'corn'], body: 'Wheat &lt;WHT> exports rose.' }),
        reutersDoc({ newId: 3, topics: [], body: 'No topic here.' }),
        reutersDoc({ newId: 4, topics: ['money-fx'], title: 'ASSETS OF MONEY MARKET FUNDS ROSE' }),
      ]),
      'reut2-000.sgm',
    );
    expect(docs.map((d) => d.newId)).toEqual([1, 2, 3, 4]);
    expect(docs.map((d) => d.topics)).toEqual([['cocoa'], ['grain', 'wheat', 'corn'], [], ['money-fx']]);
    expect(docs[0].text).toBe('Showers continued throughout the week.\n Reuter\n&#3;');
    // entities stay raw, as in Keras' builder (the filter later turns them into "lt" and "3")
    expect(docs[1].text).toContain('&lt;WHT>');
    expect(docs[3].text).toContain('ASSETS OF MONEY MARKET FUNDS ROSE');
    expect(docs[3].text).toContain('Blah blah blah.');
    expect(docs[3].text).not.toContain('<TITLE>');
  });

  test('a document without its closing tag (truncated file) is a UserError naming the file and document', () => {
    const text = sgmlFile([reutersDoc({ newId: 7, topics: ['earn'], body: 'a' }), reutersDoc({ newId: 8, topics: ['acq'], body: 'b' })]);
    const cut = text.slice(0, text.lastIndexOf('</REUTERS>'));
    expect(() => parseReutersSgml(cut, 'reut2-003.sgm')).toThrow(UserError);
    expect(() => parseReutersSgml(cut, 'reut2-003.sgm')).toThrow(/reut2-003\.sgm: document NEWID=8 has no closing <\/REUTERS>/);
    expect(() => parseReutersSgml('just text', 'reut2-004.sgm')).toThrow(/reut2-004\.sgm: no <REUTERS> documents/);
  });
});

describe('Keras-style topic task', () => {
  const doc = (newId: number, topics: string[]) => ({ newId, topics, text: '' });

  test('label = first topic, only the K most frequent first topics, class ids in order of first appearance', () => {
    const docs = [
      doc(1, ['cocoa']),
      doc(2, []), // no topic: dropped
      doc(3, ['grain', 'wheat']), // first topic grain
      doc(4, ['earn']),
      doc(5, ['earn', 'acq']),
      doc(6, ['wheat']),
      doc(7, ['earn']),
      doc(8, ['grain']),
      doc(9, ['tea']), // rare: dropped with K = 3
    ];
    // first-topic counts: earn 3, grain 2, cocoa 1, wheat 1, tea 1; the tie at 1 keeps cocoa (seen first)
    const task = buildTopicTask(docs, 3);
    expect(task.withTopics).toBe(8);
    expect(task.docs.map((d) => d.newId)).toEqual([1, 3, 4, 5, 7, 8]);
    expect(task.topicNames).toEqual(['cocoa', 'grain', 'earn']);
    expect(Array.from(task.labels)).toEqual([0, 1, 2, 2, 2, 1]);
  });
});

/** 22 small SGML files: enough to exercise the whole loader. */
function smallCorpus(): { path: string; content: string }[] {
  const topics = ['earn', 'acq', 'earn', 'crude', 'earn', 'acq', 'grain', 'earn', 'acq', 'trade'];
  let id = 1;
  return REUTERS_FILES.map((name, f) => ({
    path: `reuters21578/${name}`,
    content: sgmlFile(
      [0, 1].map((k) => {
        const t = topics[(f * 2 + k) % topics.length];
        return reutersDoc({ newId: id++, topics: f === 21 && k === 1 ? [] : [t], body: `The ${t} market said profit rose ${f} pct` });
      }),
    ),
  }));
}

describe('Reuters loader on a generated archive', () => {
  test('builds train/test, one-hot labels and the binary bag of words', async () => {
    const dir = tempDir();
    const file = writeTarGz(path.join(dir, 'reuters21578.tar.gz'), smallCorpus());
    const ds = await loadDataset(
      { name: 'reuters', path: file, validation: 'test', options: { numWords: 12, topics: 4 } },
      { seed: 5, log: () => undefined, cacheDir: path.join(dir, 'cache'), download: false },
    );
    // 44 documents, 43 with a topic; top-4 first topics earn, acq, crude/grain/... -> keep 4 classes
    const kept = ds.train.n + ds.validation.n;
    expect(ds.numClasses).toBe(4);
    expect(ds.train.n).toBe(Math.floor(kept * 0.8));
    expect(ds.inputShape).toEqual([12]);
    expect(ds.info).toContain(`${ds.train.n} train sequences`);
    expect(ds.info).toContain('4 classes');
    // binary matrix: start char (1) in every row, padding id 0 never, only 0/1 values
    for (let i = 0; i < ds.train.n; i++) {
      const row = ds.train.x.subarray(i * 12, (i + 1) * 12);
      expect(row[0]).toBe(0);
      expect(row[1]).toBe(1);
      expect(Array.from(row).every((v) => v === 0 || v === 1)).toBe(true);
      expect(ds.train.y[i * 4 + ds.train.labels[i]]).toBe(1);
    }
  });

  test('a missing reut2 file is a UserError naming the archive and the file', async () => {
    const dir = tempDir();
    const file = writeTarGz(path.join(dir, 'reuters21578.tar.gz'), smallCorpus().filter((e) => !e.path.endsWith('reut2-013.sgm')));
    await expect(readReutersCorpus(file)).rejects.toThrow(/reuters21578\.tar\.gz: missing Reuters-21578 file reut2-013\.sgm/);
  });

  test('files are read as latin1 (reut2-017.sgm holds byte 0xFC)', async () => {
    const dir = tempDir();
    const entries = smallCorpus();
    const i = entries.findIndex((e) => e.path.endsWith('reut2-017.sgm'));
    const text = sgmlFile([reutersDoc({ newId: 999, topics: ['earn'], body: 'M\u00fcnchen profit' })]);
    const bytes = Buffer.from(text, 'latin1');
    const folder = path.join(dir, 'reuters21578');
    fs.mkdirSync(folder);
    for (const e of entries) fs.writeFileSync(path.join(folder, path.basename(e.path)), e.content);
    fs.writeFileSync(path.join(folder, path.basename(entries[i].path)), bytes);
    const docs = await readReutersCorpus(folder);
    expect(docs.find((d) => d.newId === 999)!.text).toContain('M\u00fcnchen');
  });
});

describe('Reuters-21578 as published (../shared/datasets)', () => {
  const archive = sharedCorpus('reuters21578.tar.gz');
  const maybe = archive ? test : test.skip;

  maybe('gives Keras\' task: 11,228 newswires, 8,982 train / 2,246 test, 46 topics in Keras\' label order', async () => {
    const docs = await readReutersCorpus(archive!);
    expect(docs.length).toBe(21578);
    const task = buildTopicTask(docs, 46);
    expect(task.docs.length).toBe(11228);
    // keras.datasets.reuters.get_label_names()
    expect(task.topicNames.slice(0, 8)).toEqual(['cocoa', 'grain', 'veg-oil', 'earn', 'acq', 'wheat', 'copper', 'housing']);
    expect(task.topicNames.slice(-3)).toEqual(['wpi', 'hog', 'lead']);
    const cache = tempDir();
    const ds = await loadDataset(
      { name: 'reuters', path: archive, validation: { holdout: 0.1 }, options: {} },
      { seed: 1, log: () => undefined, cacheDir: cache, download: false },
    );
    expect(ds.test!.n).toBe(2246);
    expect(ds.train.n + ds.validation.n).toBe(8982);
    expect(ds.validation.n).toBe(899); // Keras: Train on 8083 samples, validate on 899
    expect(ds.numClasses).toBe(46);
    expect(ds.inputShape).toEqual([1000]);
  });
});
