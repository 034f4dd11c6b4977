import chalk from 'chalk';
import cliProgress from 'cli-progress';
import type { StepProgress } from '../train/arm';
import type { RunEvents } from '../train/experiment';
import type { EpochRecord } from '../spec';
import { kerasBar, metricsText, seconds } from './format';

/** `Epoch 3/20 uniform 468/468 - 10s - loss: ... - val_accuracy: 0.9835`: one line per arm and epoch. */
export function plainEpochLine(epoch: number, epochs: number, arm: string, r: EpochRecord): string {
  return `Epoch ${epoch}/${epochs} ${arm} ${r.steps}/${r.steps} - ${seconds(r.epoch_time_s)} - ${metricsText(r)}`;
}

/** For pipes, CI and --no-progress: log lines as they come, one line per arm per epoch. */
export class PlainProgress implements RunEvents {
  private epoch = 0;
  private epochs = 0;
  constructor(private readonly out: NodeJS.WritableStream) {}
  log(line: string): void {
    this.out.write(line + '\n');
  }
  epochStart(epoch: number, epochs: number): void {
    this.epoch = epoch;
    this.epochs = epochs;
  }
  armEpochStart(): void {}
  step(): void {}
  armEpochEnd(arm: string, record: EpochRecord | null, status: string): void {
    if (record) this.out.write(plainEpochLine(this.epoch, this.epochs, arm, record) + '\n');
    else this.out.write(`Epoch ${this.epoch}/${this.epochs} ${arm} stopped: ${status}\n`);
  }
  epochEnd(): void {}
}

const COLOURS = [chalk.cyan, chalk.yellow, chalk.magenta, chalk.green, chalk.blue, chalk.red];

interface BarPayload {
  arm: string;
  elapsed: number;
  metrics: string;
}

/** Keras-style bars in a terminal: `Epoch 3/20`, then one bar per arm, redrawn in place. */
export class BarProgress implements RunEvents {
  private multibar?: cliProgress.MultiBar;
  private bars = new Map<string, cliProgress.SingleBar>();
  private colour = new Map<string, (s: string) => string>();
  private nameWidth = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    arms: string[],
  ) {
    arms.forEach((a, i) => this.colour.set(a, COLOURS[i % COLOURS.length]));
    this.nameWidth = Math.max(...arms.map((a) => a.length));
  }

  log(line: string): void {
    if (this.multibar) this.multibar.log(line + '\n');
    else this.out.write(line + '\n');
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
          const name = (this.colour.get(payload.arm) ?? chalk.white)(payload.arm.padEnd(this.nameWidth));
          const count = `${params.value}/${params.total}`;
          return `${name} ${count} ${kerasBar(params.value, params.total)} - ${seconds(payload.elapsed)} - ${payload.metrics}`;
        },
      },
      cliProgress.Presets.legacy,
    );
  }

  armEpochStart(arm: string, plannedSteps: number): void {
    const bar = this.multibar!.create(plannedSteps, 0, { arm, elapsed: 0, metrics: '' } satisfies BarPayload);
    this.bars.set(arm, bar);
  }

  step(arm: string, p: StepProgress): void {
    const bar = this.bars.get(arm);
    if (!bar) return;
    if (p.plannedSteps !== bar.getTotal()) bar.setTotal(p.plannedSteps);
    bar.update(p.step, { arm, elapsed: p.elapsedS, metrics: metricsText(p) } satisfies BarPayload);
  }

  armEpochEnd(arm: string, record: EpochRecord | null, status: string): void {
    const bar = this.bars.get(arm);
    if (!bar) {
      if (!record) this.log(`${arm}: stopped (${status})`);
      return;
    }
    if (record) {
      bar.setTotal(record.steps);
      bar.update(record.steps, { arm, elapsed: record.epoch_time_s, metrics: metricsText(record) } satisfies BarPayload);
    } else {
      bar.update({ arm, elapsed: 0, metrics: chalk.red(`stopped: ${status}`) });
    }
  }

  epochEnd(): void {
    this.multibar?.stop();
    this.multibar = undefined;
    this.bars.clear();
  }
}
