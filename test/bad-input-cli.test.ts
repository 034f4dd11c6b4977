/**
 * Bad command-line values and bad config files: exit code 2 and a one-line message naming the
 * option or file and what was expected; nothing trains, nothing is written, no stack trace.
 * (test/cli.test.ts has --epochs abc, --limit -5, --seed 1.5, --backend gpu, --arms nosuch and an
 * unknown option of the default command; test/config-schema.test.ts has the schema's field errors.)
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { InvalidArgumentError } from 'commander';
import { existingFolder, folderPath } from '../src/cli/options';
import { CONFIG_DIR } from '../src/config/load';
import { runCli, smallExperiment, tempDir, writeConfig } from './helpers/cli';

const created: string[] = [];
function scratch(): string {
  const dir = tempDir('is-bench-bad-');
  created.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
});

const HELP_HINT = '(run with --help for usage)';

/** The message lines of a failed command: one line, plus commander's hint after an option error. */
function messageLines(err: string): string[] {
  const lines = err.trim().split('\n');
  return lines[lines.length - 1] === HELP_HINT ? lines.slice(0, -1) : lines;
}

describe('bad command-line values', () => {
  const cases: [string[], RegExp][] = [
    [['smoke', '--epochs', '0'], /^error: option '--epochs <n>' argument '0' is invalid\. expected a positive integer\.$/],
    [['run', 'smoke', '--epochs', '99999999999999999999'], /^error: option '--epochs <n>' argument '99999999999999999999' is invalid\. expected an integer at most 9007199254740991\.$/],
    [['smoke', '--seed', '-1'], /^error: option '--seed <n>' argument '-1' is invalid\. expected a whole number >= 0\.$/],
    [['smoke', '--seed', '1e3'], /^error: option '--seed <n>' argument '1e3' is invalid\. expected a whole number >= 0\.$/],
    [['smoke', '--seed', '18446744073709551616'], /^error: option '--seed <n>' argument '18446744073709551616' is invalid\. expected an integer at most 9007199254740991\.$/],
    [['smoke', '--batch-size', '1e3'], /^error: option '--batch-size <n>' argument '1e3' is invalid\. expected a positive integer\.$/],
    [['smoke', '--batch-size', '12.5'], /^error: option '--batch-size <n>' argument '12\.5' is invalid\. expected a positive integer\.$/],
    [['smoke', '--limit', '0'], /^error: option '--limit <n>' argument '0' is invalid\. expected a positive integer\.$/],
    [['smoke', '--arms', ''], /^error: option '--arms <a,b>' argument '' is invalid\. expected a comma-separated list of arm names\.$/],
    [['smoke', '--arms', ' , '], /^error: option '--arms <a,b>' argument ' , ' is invalid\. expected a comma-separated list of arm names\.$/],
    [['run', 'smoke', '--arms', 'uniform,nosuch'], /^is-bench: --arms: no arm named "nosuch" in smoke \(arms: uniform, importance\)$/],
    [['smoke', '--backend', ''], /^error: option '--backend <name>' argument '' is invalid\. expected one of auto, tensorflow, wasm, cpu\.$/],
    [['config', 'smoke', '--epochs', '-3'], /^error: option '--epochs <n>' argument '-3' is invalid\. expected a positive integer\.$/],
    [['run', 'smoke', '--bogus'], /^error: unknown option '--bogus'$/],
    [['config', 'smoke', '--backend', 'cpu'], /^error: unknown option '--backend'$/],
    [['resume', 'results/x/y', '--epochs', '3'], /^error: unknown option '--epochs'$/],
    [['run'], /^error: missing required argument 'file'$/],
    [['config'], /^error: missing required argument 'experiment'$/],
    [['resume'], /^error: missing required argument 'run-dir'$/],
    [['smoke', '--epochs'], /^error: option '--epochs <n>' argument missing$/],
    [['run', 'smoke', '--out'], /^error: option '--out <dir>' argument missing$/],
  ];

  test.each(cases)('%p', async (args, message) => {
    const out = scratch();
    // commands that would train get an --out of their own, placed before the bad part
    const [first, second, ...rest] = args;
    const withOut =
      first === 'smoke' ? [first, '--out', out, ...args.slice(1)]
      : first === 'run' && second && !args.includes('--out') ? [first, second, '--out', out, ...rest]
      : args;
    const r = await runCli(...withOut);
    expect(r.code).toBe(2);
    expect(messageLines(r.err)).toEqual([expect.stringMatching(message)]);
    expect(r.out).toBe('');
    expect(fs.readdirSync(out)).toEqual([]);
  });
});

describe('option parsers for folders (for --out and --data-dir)', () => {
  test('folderPath rejects an empty path and a NUL character', () => {
    expect(folderPath('results')).toBe('results');
    expect(() => folderPath('')).toThrow(new InvalidArgumentError('expected a folder path.'));
    expect(() => folderPath('  ')).toThrow(InvalidArgumentError);
    expect(() => folderPath('a\0b')).toThrow(/NUL character/);
  });

  test('existingFolder accepts a folder, and rejects nothing at the path or a file', () => {
    const dir = scratch();
    fs.writeFileSync(path.join(dir, 'f'), '');
    expect(existingFolder(dir)).toBe(dir);
    expect(() => existingFolder(path.join(dir, 'missing'))).toThrow(new InvalidArgumentError('expected an existing folder; there is nothing at that path.'));
    expect(() => existingFolder(path.join(dir, 'f'))).toThrow(new InvalidArgumentError('expected a folder; that path is a file.'));
  });
});

/** Writes raw bytes or text as a config file in a fresh folder. */
function configFile(name: string, content: string | Uint8Array): string {
  const file = path.join(scratch(), name);
  fs.writeFileSync(file, content);
  return file;
}

/** Deterministic bytes 1-255 (no NUL, so the UTF-8 check is what rejects them). */
function noiseBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = 1 + ((x >>> 16) % 255);
  }
  return out;
}

const SMOKE = fs.readFileSync(path.join(CONFIG_DIR, 'smoke.yaml'), 'utf8');
const PNG_HEADER = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
const billionLaughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  .concat('bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`))
  .join('\n');
const aliasChain = ['a0: &a0 [x]', ...Array.from({ length: 200 }, (_, i) => `a${i + 1}: &a${i + 1} [*a${i}]`)].join('\n');

describe('bad config files', () => {
  const cases: [string, () => string, RegExp][] = [
    ['random bytes', () => configFile('random.yaml', noiseBytes(4096)), /: not UTF-8 text \(binary data or another encoding\); a config is a UTF-8 \.yaml or \.json file$/],
    ['a PNG image', () => configFile('image.yaml', PNG_HEADER), /: binary data \(a NUL byte at offset 8\), not a YAML or JSON config$/],
    ['a PNG signature alone', () => configFile('image.json', PNG_HEADER.subarray(0, 8)), /: not UTF-8 text/],
    ['NUL bytes in a config', () => configFile('nul.yaml', SMOKE + '\0\0\0'), /: binary data \(a NUL byte at offset \d+\), not a YAML or JSON config$/],
    ['a control character', () => configFile('ctrl.yaml', 'name: smoke\ndescription: a\u0001b\n'), /ctrl\.yaml:2: binary data \(control character U\+0001\), not a YAML or JSON config$/],
    ['invalid UTF-8 (Latin-1 text)', () => configFile('latin1.yaml', Buffer.from('name: caf\xe9\n', 'latin1')), /: not UTF-8 text/],
    ['UTF-16 text', () => configFile('utf16.yaml', Buffer.from('\ufeffname: smoke\n', 'utf16le')), /: UTF-16 text; save the config as UTF-8$/],
    ['more than 1 MiB', () => configFile('huge.yaml', SMOKE + '#'.repeat(1024 * 1024) + '\n'), /: \d+ bytes is too large for an experiment config \(limit 1048576 bytes\)$/],
    ['10,000 levels of [ in JSON', () => configFile('deep.json', '['.repeat(10000) + ']'.repeat(10000)), /: nested more than 32 levels deep; not an experiment config$/],
    ['10,000 levels of {"a": in JSON', () => configFile('deep2.json', '{"a":'.repeat(10000) + '1' + '}'.repeat(10000)), /: nested more than 32 levels deep/],
    ['10,000 levels of [ in YAML', () => configFile('deep.yaml', '['.repeat(10000) + ']'.repeat(10000)), /: nested more than 32 levels deep/],
    ['10,000 unclosed [ in YAML', () => configFile('open.yaml', '['.repeat(10000)), /: nested more than 32 levels deep/],
    ['10,000 nested YAML lists on one line', () => configFile('dashes.yaml', '- '.repeat(10000) + 'x\n'), /: nested more than 32 levels deep/],
    ['1,000 levels of YAML indentation', () => configFile('indent.yaml', Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + ' 1\n'), /: nested more than 32 levels deep/],
    ['40 levels of nesting, under the text limit', () => configFile('forty.yaml', '['.repeat(40) + ']'.repeat(40)), /: nested more than 32 levels deep/],
    ['an alias chain 200 levels deep', () => configFile('chain.yaml', aliasChain), /: nested more than 32 levels deep/],
    ['an empty file', () => configFile('empty.yaml', ''), /: expected a mapping of experiment fields \(name, dataset, model, \.\.\.\), got an empty document$/],
    ['an empty JSON file', () => configFile('empty.json', ''), /: invalid JSON \(Unexpected end of JSON input\)$/],
    ['only a comment', () => configFile('comment.yaml', '# nothing here\n'), /: expected a mapping of experiment fields .*, got an empty document$/],
    ['a list instead of a mapping', () => configFile('list.yaml', '- name: smoke\n- epochs: 3\n'), /: expected a mapping of experiment fields .*, got a list$/],
    ['a JSON list', () => configFile('list.json', '[{"name": "smoke"}]'), /: expected a mapping of experiment fields .*, got a list$/],
    ['a plain string', () => configFile('word.yaml', 'smoke\n'), /: expected a mapping of experiment fields .*, got "smoke"$/],
    ['a billion laughs', () => configFile('lol.yaml', billionLaughs), /: YAML aliases \(\*name\) expand to too much data \(a "billion laughs" document\?\); write the values out$/],
    ['an alias inside its own anchor', () => configFile('loop.yaml', 'a: &a [1, *a]\n'), /: the alias \*a is inside its own anchor &a \(a recursive document\)$/],
    ['a YAML tag for binary data', () => configFile('tag.yaml', 'name: !!binary aGVsbG8=\n'), /tag\.yaml:1: YAML tag !!binary is not supported; a config holds plain values/],
    ['an unknown YAML tag', () => configFile('fn.yaml', 'name: !!js/function "function () {}"\n'), /fn\.yaml:1: YAML tag !!js\/function is not supported/],
    ['an infinite number', () => configFile('inf.yaml', SMOKE.replace('epochs: 8', 'epochs: .inf')), /: epochs must be a finite number \(got Infinity\)$/],
    ['a number too large for a double', () => configFile('big.json', JSON.stringify({ ...smallExperiment(), seed: 1 }).replace('"seed":1', '"seed":1e400')), /: seed must be a finite number \(got Infinity\)$/],
    ['an integer JavaScript cannot hold exactly', () => configFile('unsafe.yaml', SMOKE.replace('epochs: 8', 'epochs: 99999999999999999999')), /: epochs must be an integer at most 9007199254740991 \(got 100000000000000000000\)$/],
    ['an experiment name longer than a file name may be', () => configFile('long.yaml', SMOKE.replace('name: smoke', `name: ${'x'.repeat(300)}`)), /: name must be at most 100 characters \(it names a file; got 300\)$/],
    ['two YAML documents', () => configFile('two.yaml', SMOKE + '---\n' + SMOKE), /two\.yaml:\d+: invalid YAML \(more than one document \(a second "---"\); a config is one document\)$/],
    ['a mapping as a key', () => configFile('key.yaml', '? {a: 1}\n: 2\n'), /key\.yaml:1: invalid YAML \(a key that is a list or mapping; keys are names\)$/],
    ['JSON with a syntax error', () => configFile('bad.json', '{"name": "smoke",\n "epochs": }'), /bad\.json: invalid JSON \(Unexpected token .*\)$/],
    ['a folder instead of a file', () => { const dir = path.join(scratch(), 'dir.yaml'); fs.mkdirSync(dir); return dir; }, /dir\.yaml: is a folder; expected a \.yaml or \.json config file$/],
    ['a FIFO instead of a file (opening it would wait forever)', () => { const fifo = path.join(scratch(), 'fifo.yaml'); spawnSync('mkfifo', [fifo]); return fifo; }, /fifo\.yaml: not a regular file; expected a \.yaml or \.json config file$/],
    ['a device instead of a file', () => '/dev/zero', /\/dev\/zero: not a regular file/],
    ['a file that does not exist', () => path.join(scratch(), 'missing.yaml'), /missing\.yaml: no such file \(built-in experiments: .*smoke/],
  ];

  test.each(cases)('%s', async (_label, make, message) => {
    const file = make();
    if (file.endsWith('fifo.yaml') && !fs.existsSync(file)) return void console.warn('skipping the FIFO case: mkfifo is not available');
    const out = scratch();
    const r = await runCli('run', file, '--out', out, '--no-progress');
    expect(r.code).toBe(2);
    const lines = messageLines(r.err);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(lines[0].startsWith('is-bench: ')).toBe(true);
    expect(lines[0]).toContain(path.basename(file)); // names the file
    expect(fs.readdirSync(out)).toEqual([]); // nothing ran, nothing was written
  });

  test('a document that is not a config at all gets the missing fields in one line', async () => {
    const r = await runCli('config', configFile('other.yaml', 'version: 3\nservices: {}\n'));
    expect(r.code).toBe(2);
    expect(messageLines(r.err)).toEqual([
      expect.stringMatching(/other\.yaml: name, dataset, model, optimizer, loss, epochs, batchSize and arms are required$/),
      expect.stringMatching(/other\.yaml: unknown keys "version", "services" \(allowed: name, description, dataset/),
    ]);
  });

  test('a config with many problems lists a few and counts the rest', async () => {
    const arms = Array.from({ length: 20 }, (_, i) => ({ name: `a${i}`, strategy: 'upper-bound', presample: 0 }));
    const r = await runCli('config', writeConfig(smallExperiment({ arms })));
    expect(r.code).toBe(2);
    const lines = messageLines(r.err);
    expect(lines).toHaveLength(8);
    expect(lines[0]).toMatch(/arms\[0\]\.presample must be a number > 1 \(got 0\)$/);
    expect(lines[7]).toMatch(/: \.\.\. and 13 more problems$/);
  });
});

describe('through the real binary: the message reaches the terminal, a stack trace never does', () => {
  const BIN = path.resolve(__dirname, '..', 'bin', 'is-bench');

  const cases: [string, () => string[], RegExp][] = [
    ['a bad option value', () => ['smoke', '--epochs', 'abc'], /^error: option '--epochs <n>' argument 'abc' is invalid\. expected a positive integer\.$/],
    ['a missing argument', () => ['run'], /^error: missing required argument 'file'$/],
    ['a binary config file', () => ['run', configFile('image.yaml', PNG_HEADER)], /^is-bench: .*image\.yaml: binary data/],
    ['a deeply nested config file', () => ['run', configFile('deep.yaml', '- '.repeat(10000) + 'x\n')], /^is-bench: .*deep\.yaml: nested more than 32 levels deep; not an experiment config$/],
    ['an output folder below a file', () => {
      const file = configFile('not-a-folder', 'x');
      return ['run', writeConfig(smallExperiment()), '--backend', 'cpu', '--no-progress', '--out', path.join(file, 'results')];
    }, /^is-bench: --out .*not-a-folder\/results\/tiny: cannot write there: a part of the path is a file, not a folder \(ENOTDIR\)/],
  ];

  test.each(cases)('%s', (_label, args, message) => {
    const r = spawnSync(process.execPath, [BIN, ...args()], { encoding: 'utf8', timeout: 60000 });
    expect(r.status).toBe(2);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).not.toMatch(/internal error|Error:/);
    expect(messageLines(r.stderr)).toEqual([expect.stringMatching(message)]);
  });
});
