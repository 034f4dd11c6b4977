import chalk from 'chalk';
import cliProgress from 'cli-progress';
import type { EpochRecord, RunEvents, StepProgress } from '../spec';
import { fitEpochLine, kerasBar, metricsText, seconds, fitLogLine, type LineMetrics } from './format';

/** `Epoch 3/20 uniform 468/468 - 10s - loss: ... - val_accuracy: 0.9835`: one line per arm and epoch, fitted to `width`. */
export function plainEpochLine(epoch: number, epochs: number, arm: string, r: EpochRecord, width = 100): string {
  // a budgeted run's rows are evaluations at fractions of the budget, not epochs
  const budget = r.extra.budget_fraction;
  const head = budget === undefined ? `Epoch ${epoch}/${epochs}` : `Evaluation ${epoch}/${epochs} (${Math.round(100 * budget)}% of budget, epoch ${r.epoch})`;
  return fitEpochLine(`${head} ${arm} ${r.steps}/${r.steps} - ${seconds(r.epoch_time_s)}`, r, width, 'wrap');
}

/** For pipes, CI and --no-progress: log lines as they come, one line per arm per epoch. */
export class PlainProgress implements RunEvents {
  private epoch = 0;
  private epochs = 0;
  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly width = 100,
  ) {}
  log(line: string): void {
    this.out.write(fitLogLine(line, this.width) + '\n');
  }
  epochStart(epoch: number, epochs: number): void {
    this.epoch = epoch;
    this.epochs = epochs;
  }
  armEpochStart(): void {}
  step(): void {}
  armEpochEnd(arm: string, record: EpochRecord | null, status: string): void {
    if (record) this.out.write(plainEpochLine(this.epoch, this.epochs, arm, record, this.width) + '\n');
    else this.out.write(`Epoch ${this.epoch}/${this.epochs} ${arm} stopped: ${status}\n`);
  }
  epochEnd(): void {}
}

/** The widest bar line that fits `width`: bar of 30..10 cells with long or short metric names, else no bar. */
function fittedBarLine(name: string, count: string, time: string, m: LineMetrics, value: number, total: number, width: number): string {
  for (const short of [false, true]) {
    const metrics = metricsText(m, short);
    const room = width - `${name} ${count}  - ${time} - ${metrics}`.length - 2;
    if (room >= 10) return `${name} ${count} ${kerasBar(value, total, Math.min(30, room))} - ${time} - ${metrics}`;
  }
  return fitEpochLine(`${name} ${count} - ${time}`, m, width, 'cut');
}

const COLOURS = [chalk.cyan, chalk.yellow, chalk.magenta, chalk.green, chalk.blue, chalk.red];

interface BarPayload {
  arm: string;
  elapsed: number;
  metrics: LineMetrics;
  stopped?: string;
}

/** Keras-style bars in a terminal: `Epoch 3/20`, then one bar per arm, redrawn in place. */
export class BarProgress implements RunEvents {
  private multibar?: cliProgress.MultiBar;
  private bars = new Map<string, cliProgress.SingleBar>();
  private colour = new Map<string, (s: string) => string>();
  private nameWidth = 0;

  constructor(private readonly out: NodeJS.WriteStream) {}

  /** Arms get their colour in the order they first train; names are padded to the longest so far. */
  private paint(arm: string): (s: string) => string {
    let c = this.colour.get(arm);
    if (!c) {
      c = COLOURS[this.colour.size % COLOURS.length];
      this.colour.set(arm, c);
      this.nameWidth = Math.max(this.nameWidth, arm.length);
    }
    return c;
  }

  log(line: string): void {
    const text = fitLogLine(line, (this.out.columns || 100) - 1) + '\n';
    if (this.multibar) this.multibar.log(text);
    else this.out.write(text);
  }

  epochStart(epoch: number, epochs: number): void {
    this.out.write(chalk.bold(`Epoch ${epoch}/${epochs}`) + '\n');
    this.multibar = new cliProgress.MultiBar(
      {
        stream: this.out,
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        fps: 10,
        format: (_opts, params, payload: BarPayload) => {
          const name = payload.arm.padEnd(this.nameWidth);
          const count = `${params.value}/${params.total}`;
          const time = seconds(payload.elapsed);
          // a line longer than the terminal wraps and garbles the redraw: the bar shrinks first,
          // then the metric names get short, then the bar goes
          const width = (this.out.columns || 100) - 1;
          const line = payload.stopped
            ? `${name} ${count} - ${time} - stopped: ${payload.stopped}`.slice(0, width)
            : fittedBarLine(name, count, time, payload.metrics, params.value, params.total, width);
          return this.paint(payload.arm)(line.slice(0, name.length)) + line.slice(name.length);
        },
      },
      cliProgress.Presets.legacy,
    );
  }

  armEpochStart(arm: string, plannedSteps: number): void {
    this.paint(arm);
    const bar = this.multibar!.create(plannedSteps, 0, { arm, elapsed: 0, metrics: { loss: NaN, accuracy: NaN } } satisfies BarPayload);
    this.bars.set(arm, bar);
  }

  step(arm: string, p: StepProgress): void {
    const bar = this.bars.get(arm);
    if (!bar) return;
    if (p.plannedSteps !== bar.getTotal()) bar.setTotal(p.plannedSteps);
    bar.update(p.step, { arm, elapsed: p.elapsedS, metrics: p } satisfies BarPayload);
  }

  armEpochEnd(arm: string, record: EpochRecord | null, status: string): void {
    const bar = this.bars.get(arm);
    if (!bar) {
      if (!record) this.log(`${arm}: stopped (${status})`);
      return;
    }
    if (record) {
      bar.setTotal(record.steps);
      bar.update(record.steps, { arm, elapsed: record.epoch_time_s, metrics: record } satisfies BarPayload);
    } else {
      bar.update({ arm, elapsed: 0, stopped: status });
    }
  }

  epochEnd(): void {
    this.multibar?.stop();
    this.multibar = undefined;
    this.bars.clear();
  }
}
