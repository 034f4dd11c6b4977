import { PlainProgress } from '../src/record/progress';
import { fitLogLine } from '../src/record/format';
import stringWidth from 'string-width';
import { renderTerminal, terminalOptionsFor } from '../src/report/render-terminal';
import type { ReportDocument } from '../src/report/report-document';

const table = {
  header: ['arm', 'strategy', 'best val_loss', 's/epoch', 'cost model'],
  rows: [
    ['uniform', 'uniform', '0.0588 ± 0.0012', '2.41', '1.00'],
    ['importance', 'biased', '0.0559 ± 0.0020', '6.70', '3.67'],
  ],
  align: ['left', 'left', 'right', 'right', 'right'] as ('left' | 'right')[],
  priority: [100, 40, 90, 80, 30],
};
const doc = (blocks: ReportDocument['sections'][number]['blocks']): ReportDocument => ({ title: '', sections: [{ title: '', blocks }] });
const widest = (text: string) => Math.max(...text.split('\n').map((l) => stringWidth(l)));

describe('renderTerminal', () => {
  it('aligns a table that fits: numbers right, names left, no Markdown pipes', () => {
    const text = renderTerminal(doc([{ kind: 'table', table }]), { width: 100 });
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('arm         strategy    best val_loss  s/epoch  cost model');
    expect(lines[1]).toBe('uniform     uniform   0.0588 ± 0.0012     2.41        1.00');
    expect(text).not.toContain('|');
  });

  it('drops the least important columns first when the table is too wide, and says which', () => {
    const text = renderTerminal(doc([{ kind: 'table', table }]), { width: 42 });
    expect(text).toMatch(/^arm\s+best val_loss\s+s\/epoch$/m);
    expect(text).toMatch(/not shown at this width: strategy, cost\s+model\)/);
    expect(widest(text)).toBeLessThanOrEqual(42);
  });

  it('wraps paragraphs and list items at the width with a hanging indent', () => {
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    const text = renderTerminal(doc([{ kind: 'paragraph', text: words }, { kind: 'list', items: [words] }]), { width: 50 });
    expect(widest(text)).toBeLessThanOrEqual(50);
    const listLines = text.split('\n').filter((l) => l.startsWith('- ') || l.startsWith('  word'));
    expect(listLines[0].startsWith('- word0')).toBe(true);
    expect(listLines.slice(1).every((l) => l.startsWith('  '))).toBe(true);
  });

  it('marks checks with their label, coloured only when asked', () => {
    const checks = doc([{ kind: 'checks', items: [{ status: 'pass', label: 'reproduced', text: 'a claim' }, { status: 'fail', label: 'not reproduced', text: 'another' }] }]);
    const plain = renderTerminal(checks, { width: 80 });
    expect(plain).toContain('[reproduced] a claim');
    expect(plain).toContain('[not reproduced] another');
    expect(plain).not.toMatch(/\u001b\[/);
    const coloured = renderTerminal(checks, { width: 80, color: true });
    expect(coloured).toMatch(/\u001b\[32m\[reproduced\]/);
    expect(coloured).toMatch(/\u001b\[31m\[not reproduced\]/);
  });

  it('strips the backticks of code spans', () => {
    expect(renderTerminal(doc([{ kind: 'paragraph', text: 'Target: `val_loss <= 0.07`.' }]))).toBe('Target: val_loss <= 0.07.\n');
  });
});

describe('terminalOptionsFor', () => {
  it('takes a terminal\'s width and colour, $COLUMNS or 100 otherwise, and honours NO_COLOR', () => {
    expect(terminalOptionsFor({ isTTY: true, columns: 150 }, {})).toEqual({ width: 150, color: true });
    expect(terminalOptionsFor({ isTTY: true, columns: 150 }, { NO_COLOR: '' })).toEqual({ width: 150, color: false });
    expect(terminalOptionsFor({ isTTY: false }, { COLUMNS: '80' })).toEqual({ width: 80, color: false });
    expect(terminalOptionsFor({}, {})).toEqual({ width: 100, color: false });
  });
});

describe('epoch lines fitted to the width', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { fitEpochLine } = require('../src/record/format') as typeof import('../src/record/format');
  const m = { loss: 0.0093, accuracy: 0.726, val_loss: 0.0675, val_accuracy: 0.9835 };
  const head = 'Epoch 20/20 importance 468/468 - 10s';
  it("keeps today's Keras names when they fit, Keras 2.0's short names when not", () => {
    expect(fitEpochLine(head, m, 120, 'wrap')).toBe(`${head} - loss: 0.0093 - accuracy: 0.7260 - val_loss: 0.0675 - val_accuracy: 0.9835`);
    expect(fitEpochLine(head, m, 102, 'wrap')).toBe(`${head} - loss: 0.0093 - acc: 0.7260 - val_loss: 0.0675 - val_acc: 0.9835`);
  });
  it('wraps the metrics onto an indented line, or leaves whole metrics out, never a cut number', () => {
    expect(fitEpochLine(head, m, 80, 'wrap')).toBe(`${head}\n  loss: 0.0093 - acc: 0.7260 - val_loss: 0.0675 - val_acc: 0.9835`);
    const cut = fitEpochLine(head, m, 80, 'cut');
    expect(cut).toBe(`${head} - loss: 0.0093 - acc: 0.7260`);
    expect(cut.length).toBeLessThanOrEqual(80);
  });
});

describe('log lines fitted to the terminal', () => {
  const sink = () => {
    let text = '';
    return { stream: { write: (s: string) => ((text += s), true) } as unknown as NodeJS.WritableStream, text: () => text };
  };

  test('a line wider than the width wraps at words with an indent; a line that fits is left alone', () => {
    const out = sink();
    const progress = new PlainProgress(out.stream, 40);
    const long = 'backend: wasm + native kernels (OpenBLAS 0.3.21, 2 threads) — fallback: tfjs-node is not installed';
    progress.log(long);
    progress.log('  Layer (type)   Output shape');
    const lines = out.text().split('\n').filter((l) => l !== '');
    expect(lines.every((l) => l.length <= 40)).toBe(true);
    expect(lines.slice(0, -1).slice(1).every((l) => l.startsWith('  '))).toBe(true);
    expect(lines.slice(0, -1).map((l) => l.trim()).join(' ')).toBe(long);
    expect(lines[lines.length - 1]).toBe('  Layer (type)   Output shape');
  });

  test('fitLogLine keeps a line of exactly the width on one line', () => {
    expect(fitLogLine('x'.repeat(30), 30)).toBe('x'.repeat(30));
    expect(fitLogLine('aaaa bbbb cccc', 10)).toBe('aaaa bbbb\n  cccc');
  });
});
