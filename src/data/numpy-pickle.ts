import { NameRegistry, Parser } from 'pickleparser';
import { UserError } from '../errors';

/**
 * What a pickled numpy ndarray becomes: numpy pickles an array as
 * `_reconstruct(ndarray, (0,), b'b')` followed by BUILD with the state tuple
 * (version, shape, dtype, fortran_order, data); for object arrays `data` is a list of the items.
 */
class PickledNdarray {
  shape: number[] = [];
  items: unknown[] | undefined;

  __setstate__(state: unknown): void {
    if (!Array.isArray(state) || state.length < 5) return;
    this.shape = Array.isArray(state[1]) ? (state[1] as number[]) : [];
    this.items = Array.isArray(state[4]) ? (state[4] as unknown[]) : undefined;
  }
}

function numpyRegistry(): NameRegistry {
  const registry = new NameRegistry();
  const reconstruct = () => new PickledNdarray();
  // numpy >= 2 pickles the private module name, older versions the public one
  registry.register('numpy.core.multiarray', '_reconstruct', reconstruct);
  registry.register('numpy._core.multiarray', '_reconstruct', reconstruct);
  return registry;
}

/**
 * The items of a numpy object array stored in a .npy payload (np.save pickles object arrays).
 * Uses the `pickleparser` package, which never executes code: unknown classes become inert objects.
 */
export function unpickleNumpyObjectArray(payload: Uint8Array, file: string): unknown[] {
  let result: unknown;
  try {
    result = new Parser({ nameResolver: numpyRegistry() }).parse(payload);
  } catch (e) {
    throw new UserError(`${file}: cannot unpickle the object array (${(e as Error).message}); the file is damaged or truncated`);
  }
  if (!(result instanceof PickledNdarray) || result.items === undefined) {
    throw new UserError(`${file}: the pickled payload is not a numpy object array`);
  }
  return result.items;
}

/** Object-array items that are lists of non-negative integers (Keras word-id sequences). */
export function itemsToIntSequences(items: unknown[], file: string): Int32Array[] {
  return items.map((item, i) => {
    if (!Array.isArray(item)) throw new UserError(`${file}: item ${i} is not a list of word ids`);
    const seq = new Int32Array(item.length);
    for (let j = 0; j < item.length; j++) {
      const v = item[j];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 2147483647) {
        throw new UserError(`${file}: item ${i} holds ${String(v)}, not a word id`);
      }
      seq[j] = v;
    }
    return seq;
  });
}
