/** format: csv — a header, numeric features, classes or regression targets; every bad file a one-line error. */
import * as fs from 'fs';
import { MAX_TEXT_FILE_BYTES } from '../src/data/files/limits';
import { tempDir, writeTree } from './helpers/data-fixtures';
import { file, loadError, loadFiles } from './helpers/data-files';

const dir = tempDir('isb-csv-');

function csv(name: string, text: string): string {
  writeTree(dir, { [name]: text });
  return file(dir, name);
}

// quoting as spreadsheets write it: a quoted field with the delimiter, an escaped quote and a
// newline inside an excluded text column, a BOM, CRLF line ends
const WINE = csv(
  'wine.csv',
  '\uFEFFalcohol,acid,"notes, free text",cultivar\r\n' +
    '13.2,1.78,"fruity, ""dry""",barolo\r\n' +
    '12.4,0.94,"two\nlines",grignolino\r\n' +
    '"12.9",2.1,plain,barbera\r\n' +
    '14.1,1.2,x,barolo\r\n',
);

describe('classes', () => {
  test('quoted fields, a BOM and CRLF are parsed by csv-parse; classes are sorted; the mapping is in the info', async () => {
    const ds = await loadFiles('csv', { path: WINE, label: 'cultivar', features: { exclude: ['notes, free text'] }, shuffle: false }, { validation: { holdout: 0.25 } });
    expect(ds.inputShape).toEqual([2]);
    expect(ds.labelKind).toBe('categorical');
    expect(ds.numClasses).toBe(3);
    expect(ds.classNames).toEqual(['barbera', 'barolo', 'grignolino']);
    expect(ds.info).toContain('label "cultivar": 3 classes: 0=barbera, 1=barolo, 2=grignolino');
    expect(Array.from(ds.train.x)).toEqual(Array.from(Float32Array.from([13.2, 1.78, 12.4, 0.94, 12.9, 2.1])));
    expect(Array.from(ds.train.labels)).toEqual([1, 2, 0]);
    expect(Array.from(ds.train.y)).toEqual([0, 1, 0, 0, 0, 1, 1, 0, 0]);
    expect(ds.validation.n).toBe(1);
    expect(Array.from(ds.validation.labels)).toEqual([1]);
  });

  test('integer labels sort by value (2 before 10), and "1.0" is the class "1"', async () => {
    const p = csv('ints.csv', 'a,y\n1,10\n2,2\n3,1.0\n4,2\n5,10\n');
    const ds = await loadFiles('csv', { path: p, label: 'y', shuffle: false }, { validation: { holdout: 0.2 } });
    expect(ds.classNames).toEqual(['1', '2', '10']);
    expect(Array.from(ds.train.labels)).toEqual([2, 1, 0, 1]);
  });

  test('a separate test file may order its columns differently; its rows are matched by name', async () => {
    const train = csv('train.csv', 'f1,f2,label\n1,2,a\n3,4,b\n5,6,a\n');
    const test = csv('test.csv', 'label,extra,f2,f1\nb,zzz,20,10\n');
    const ds = await loadFiles('csv', { train, test, label: 'label', features: ['f1', 'f2'], shuffle: false });
    expect(ds.validation.n).toBe(1);
    expect(Array.from(ds.validation.x)).toEqual([10, 20]);
    expect(Array.from(ds.validation.labels)).toEqual([1]);
  });

  test('target: binary gives one 0/1 column (for binary_crossentropy); semicolons with delimiter', async () => {
    const p = csv('semi.csv', 'x;spam\n0.5;no\n1.5;yes\n2.5;no\n3.5;yes\n');
    const ds = await loadFiles('csv', { path: p, label: 'spam', delimiter: ';', target: 'binary', shuffle: false }, { validation: { holdout: 0.25 } });
    expect(ds.labelKind).toBe('binary');
    expect(ds.numClasses).toBe(2);
    expect(Array.from(ds.train.y)).toEqual([0, 1, 0]);
  });

  test('the shuffle is fixed by its seed, and the same for every run', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => `${i},${i < 20 ? 'a' : 'b'}`).join('\n');
    const p = csv('sorted.csv', `v,c\n${rows}\n`);
    const a = await loadFiles('csv', { path: p, label: 'c' }, { validation: { holdout: 0.25 } });
    const b = await loadFiles('csv', { path: p, label: 'c' }, { validation: { holdout: 0.25 } });
    const c = await loadFiles('csv', { path: p, label: 'c', seed: 7 }, { validation: { holdout: 0.25 } });
    expect(Array.from(a.train.x)).toEqual(Array.from(b.train.x));
    expect(Array.from(a.train.x)).not.toEqual(Array.from(c.train.x));
    // a class-sorted file would put only "b" in the last 25% without the shuffle
    expect(new Set(a.validation.labels).size).toBe(2);
    expect([...a.train.x, ...a.validation.x].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });
});

describe('regression and standardize', () => {
  test('numbers with fractions are a regression target: float rows, numClasses = output width', async () => {
    const p = csv('price.csv', 'rooms,area,price\n3,70,210.5\n4,95,330.25\n2,40,120\n5,130,400.75\n');
    const ds = await loadFiles('csv', { path: p, label: 'price', shuffle: false }, { validation: { holdout: 0.25 } });
    expect(ds.labelKind).toBe('regression');
    expect(ds.numClasses).toBe(1);
    expect(ds.classNames).toBeUndefined();
    expect(Array.from(ds.train.y)).toEqual([210.5, 330.25, 120]);
    expect(Array.from(ds.train.labels)).toEqual([0, 0, 0]);
    expect(ds.info.some((l) => /regression target, 1 value per sample/.test(l))).toBe(true);
  });

  test('several label columns make a multi-output regression; target: regression forces integers to be targets', async () => {
    const p = csv('multi.csv', 'x,y1,y2\n1,2,3\n4,5,6\n7,8,9\n10,11,12\n');
    const ds = await loadFiles('csv', { path: p, label: ['y1', 'y2'], target: 'regression', shuffle: false }, { validation: { holdout: 0.25 } });
    expect(ds.numClasses).toBe(2);
    expect(Array.from(ds.train.y)).toEqual([2, 3, 5, 6, 8, 9]);
    expect(Array.from(ds.validation.y)).toEqual([11, 12]);
  });

  test('standardize uses the statistics of the training split only', async () => {
    const p = csv('std.csv', 'a,b,c\n1,5,x\n3,5,y\n5,5,x\n7,5,y\n100,5,x\n');
    const ds = await loadFiles('csv', { path: p, label: 'c', standardize: true, shuffle: false }, { validation: { holdout: 0.2 } });
    // train a = 1, 3, 5, 7: mean 4, population std sqrt(5); b is constant: only centred
    const s = Math.sqrt(5);
    const expected = [(1 - 4) / s, 0, (3 - 4) / s, 0, (5 - 4) / s, 0, (7 - 4) / s, 0];
    Array.from(ds.train.x).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    expect(ds.validation.x[0]).toBeCloseTo((100 - 4) / s, 4);
    expect(ds.info.some((l) => /standardized 2 features .* 4 training samples \(1 constant features only centred\)/.test(l))).toBe(true);
  });
});

describe('bad files: one line naming the file, the line and the column', () => {
  const cases: [string, string, Record<string, unknown>, RegExp][] = [
    ['a ragged row', 'a,b,c\n1,2,x\n3,4\n', { label: 'c' }, /: line 3: 2 fields, but the header has 3 \(a ragged row/],
    ['a non-numeric cell', 'a,b,c\n1,2,x\n3,abc,y\n', { label: 'c' }, /: line 3, column 2 \("b"\): "abc" is not a number \(features must be numeric; leave the column out with features: \{exclude: \["b"\]\}\)/],
    ['an empty cell', 'a,b,c\n1,,x\n', { label: 'c' }, /empty-cell\.csv: line 2, column 2 \("b"\): empty cell \(missing values are not supported/],
    ['hex is not a number', 'a,c\n0x1A,x\n', { label: 'c' }, /line 2, column 1 \("a"\): "0x1A" is not a number/],
    ['a missing label column', 'a,b,c\n1,2,x\n', { label: 'cultivar' }, /: no column "cultivar" \(dataset\.label\); the header has: "a", "b", "c"$/],
    ['the wrong delimiter', 'a;b;c\n1;2;x\n', { label: 'c' }, /no column "c" \(dataset\.label\); .*the header was read as one column: is the delimiter "," right\?/],
    ['a missing feature column', 'a,b,c\n1,2,x\n', { label: 'c', features: ['a', 'z'] }, /no column "z" \(dataset\.features\)/],
    ['an empty file', '', { label: 'c' }, /: empty file \(expected a header row, then one row per sample\)$/],
    ['a header only', 'a,b,c\n', { label: 'c' }, /: a header but no data rows$/],
    ['two columns of one name', 'a,a,c\n1,2,x\n', { label: 'c' }, /columns 1 and 2 are both named "a"/],
    ['an unnamed index column', ',a,c\n0,1,x\n', { label: 'c' }, /column 1 has no name in the header \(a pandas index\?/],
    ['an unclosed quote', 'a,c\n"1,x\n', { label: 'c' }, /: not valid csv: .*/],
    ['an empty label', 'a,c\n1,x\n2,\n', { label: 'c' }, /line 3, column 2 \("c"\): empty label$/],
    ['one class only', 'a,c\n1,x\n2,x\n', { label: 'c' }, /: label "c" has one value only \("x"\); a classification task needs at least 2 classes/],
    ['binary with three classes', 'a,c\n1,x\n2,y\n3,z\n', { label: 'c', target: 'binary' }, /target: binary needs exactly 2 classes in label "c", found 3 \(x, y, z\)/],
    ['regression on text', 'a,c\n1,x\n2,y\n', { label: 'c', target: 'regression' }, /line 2, column 2 \("c"\): "x" is not a number \(a regression target must be numeric\)/],
  ];
  test.each(cases)('%s', async (label, text, options, message) => {
    const name = `${label.replace(/^(a|an|the|one|two) /, '').replace(/[^a-z]+/gi, '-')}.csv`;
    const p = csv(name, text);
    const error = await loadError('csv', { path: p, ...options }, { validation: { holdout: 0.5 } });
    expect(error.startsWith(p) || error.startsWith('dataset')).toBe(true);
    expect(error).toMatch(message);
  });

  test('a label seen only in the test file names the test file, its line and column', async () => {
    const train = csv('seen-train.csv', 'a,c\n1,x\n2,y\n');
    const test = csv('seen-test.csv', 'a,c\n1,x\n2,z\n');
    const error = await loadError('csv', { train, test, label: 'c' });
    expect(error).toBe(
      `${test}: line 3, column 2 ("c"): class "z" does not occur in the training data (${train}); every test class must be seen in training (classes: x, y)`,
    );
  });

  test('a test file without a training column', async () => {
    const train = csv('cols-train.csv', 'a,b,c\n1,2,x\n3,4,y\n');
    const test = csv('cols-test.csv', 'a,c\n1,x\n');
    expect(await loadError('csv', { train, test, label: 'c' })).toMatch(/cols-test\.csv: no column "b", which the training file has/);
  });

  test('a path that does not exist', async () => {
    const p = file(dir, 'nope.csv');
    expect(await loadError('csv', { path: p, label: 'c' }, { validation: { holdout: 0.5 } })).toMatch(/nope\.csv: no such file or folder \(dataset\.path/);
  });

  test('a csv larger than the limit is refused before it is read, and the limit is stated', async () => {
    const p = file(dir, 'huge.csv');
    fs.writeFileSync(p, 'a,c\n');
    fs.truncateSync(p, MAX_TEXT_FILE_BYTES + 1); // sparse: no disk space used
    expect(await loadError('csv', { path: p, label: 'c' }, { validation: { holdout: 0.5 } })).toMatch(
      /huge\.csv: 1\.0 GB \(1000000001 bytes\) is more than the 1\.0 GB \(1000000000 bytes\) is-bench reads from a csv file; convert it to an x\.npy \/ y\.npy pair/,
    );
  });

  test('no test split and validation: test', async () => {
    const p = csv('alone.csv', 'a,c\n1,x\n2,y\n');
    expect(await loadError('csv', { path: p, label: 'c' })).toMatch(/dataset\.validation: there is no test split to validate on; give dataset\.test, or set validation: \{holdout: 0\.1\}/);
  });
});
