/** What a file reader hands back: inputs per split and the targets still as written. */
import type { RawTargets } from './targets';

export interface SourceSplit {
  /** n * prod(inputShape) values, row-major. */
  x: Float32Array | Int32Array;
  n: number;
  targets: RawTargets;
}

export interface SourceData {
  inputShape: number[];
  inputDtype: 'float32' | 'int32';
  /** For token inputs: ids are < vocabSize. */
  vocabSize?: number;
  train: SourceSplit;
  test?: SourceSplit;
  /** How the targets are named in the info line: 'label "cultivar"', 'y.npy', 'class folders'. */
  targetName: string;
  /** Human lines about what was read ("178 rows, 13 feature columns"). */
  info: string[];
}
