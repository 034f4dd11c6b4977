import { maxDataBytes } from '../data-limit';
import { checkInputSize } from './limits';

/** A float32 buffer that grows by doubling, refusing to pass the input size limit. */
export class GrowableFloat32 {
  private data = new Float32Array(1024);
  length = 0;

  /** `where` names the file in the error when the limit is reached. */
  constructor(private readonly where: string) {}

  push(v: number): void {
    if (this.length === this.data.length) {
      checkInputSize(this.where, this.length + 1, 'its values');
      const bigger = new Float32Array(Math.min(this.data.length * 2, Math.floor(maxDataBytes() / 4)));
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }

  /** The values pushed, in a buffer of their exact size. */
  toArray(): Float32Array {
    return this.data.slice(0, this.length);
  }
}
