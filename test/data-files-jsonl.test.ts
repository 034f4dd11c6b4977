/** format: jsonl — one object per line, text vectorised the way the Reuters and IMDB loaders do. */
import { tempDir, writeTree } from './helpers/data-fixtures';
import { file, loadError, loadFiles } from './helpers/data-files';

const dir = tempDir('isb-jsonl-');

const TRAIN = file(
  writeTree(dir, {
    'train.jsonl':
      '{"text": "Good movie, good!", "label": "pos"}\n' +
      '{"text": "Bad movie.", "label": "neg", "id": 7}\n' +
      '\n' +
      '{"text": "so BAD", "label": "neg"}\n',
    'test.jsonl': '{"text": "great movie", "label": "pos"}\n',
  }),
  'train.jsonl',
);
const TEST = file(dir, 'test.jsonl');

describe('vectorising', () => {
  // counts over the training texts: good 2, movie 2, bad 2, so 1; ties keep first-seen order, so
  // ranks good 1, movie 2, bad 3, so 4; ids = rank + 3 after start_char 1, and ids >= numWords
  // (and words never seen in training) become oov_char 2
  test('sequences: start_char, frequency ranks, oov, pre-padding', async () => {
    const ds = await loadFiles('jsonl', { train: TRAIN, test: TEST, numWords: 7, maxlen: 4, shuffle: false });
    expect(ds.inputDtype).toBe('int32');
    expect(ds.inputShape).toEqual([4]);
    expect(ds.vocabSize).toBe(7);
    expect(Array.from(ds.train.x)).toEqual([1, 4, 5, 4, 0, 1, 6, 5, 0, 1, 2, 6]);
    expect(Array.from(ds.validation.x)).toEqual([0, 1, 2, 5]);
    expect(ds.classNames).toEqual(['neg', 'pos']);
    expect(Array.from(ds.train.labels)).toEqual([1, 0, 0]);
    expect(ds.info[0]).toMatch(/^jsonl: 3 training documents, 1 test documents; 4 distinct training words, numWords 7, mean length 3\.3; padded to 4 ids$/);
  });

  test('binary-matrix: a bag of words over ids < numWords; target: binary', async () => {
    const ds = await loadFiles('jsonl', { train: TRAIN, test: TEST, numWords: 7, mode: 'binary-matrix', target: 'binary', shuffle: false });
    expect(ds.inputDtype).toBe('float32');
    expect(Array.from(ds.train.x.subarray(0, 7))).toEqual([0, 1, 0, 0, 1, 1, 0]);
    expect(ds.labelKind).toBe('binary');
    expect(Array.from(ds.train.y)).toEqual([1, 0, 0]);
  });

  test('other keys; numeric and boolean labels', async () => {
    const p = file(writeTree(dir, { 'keys.jsonl': '{"body": "a b", "y": true}\n{"body": "c", "y": false}\n{"body": "d", "y": true}\n' }), 'keys.jsonl');
    const ds = await loadFiles('jsonl', { path: p, textField: 'body', label: 'y', shuffle: false }, { validation: { holdout: 0.34 } });
    expect(ds.classNames).toEqual(['false', 'true']);
  });
});

describe('bad lines: one line naming the file and the line', () => {
  const cases: [string, string, RegExp][] = [
    ['invalid JSON', '{"text": "a", "label": 1}\n{"text": "b", label: 2}\n', /bad-json\.jsonl: line 2: not valid JSON \(.+\)$/],
    ['a list instead of an object', '["a", 1]\n', /: line 1: expected an object like \{"text": "\.\.\.", "label": \.\.\.\}, got a list$/],
    ['no text key', '{"text": "a", "label": 1}\n{"txt": "b", "label": 2}\n', /: line 2: no key "text" \(textField\); its keys: "txt", "label"$/],
    ['text that is not a string', '{"text": 5, "label": 1}\n', /: line 1, key "text": expected a string, got number$/],
    ['no label', '{"text": "a"}\n', /: line 1: no key "label" \(label\); its keys: "text"$/],
    ['a label that is an object', '{"text": "a", "label": {"x": 1}}\n', /: line 1, key "label": a label must be a string, number or boolean, got object$/],
    ['an empty file', '', /: empty file \(expected one JSON object per line\)$/],
    ['blank lines only', '\n\n', /: no objects, only blank lines/],
  ];
  test.each(cases)('%s', async (label, text, message) => {
    const name = label === 'invalid JSON' ? 'bad-json.jsonl' : `${label.replace(/[^a-z]+/gi, '-')}.jsonl`;
    const p = file(writeTree(dir, { [name]: text }), name);
    const error = await loadError('jsonl', { path: p }, { validation: { holdout: 0.5 } });
    expect(error.startsWith(p)).toBe(true);
    expect(error).toMatch(message);
  });

  test('a label seen only in the test file', async () => {
    const test = file(writeTree(dir, { 'unseen.jsonl': '{"text": "x", "label": "pos"}\n{"text": "y", "label": "meh"}\n' }), 'unseen.jsonl');
    expect(await loadError('jsonl', { train: TRAIN, test })).toBe(
      `${test}: line 2, key "label": class "meh" does not occur in the training data (${TRAIN}); every test class must be seen in training (classes: neg, pos)`,
    );
  });
});
