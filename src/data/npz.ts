import * as fs from 'fs';
import { unzipSync } from 'fflate';
import { UserError } from '../errors';
import { checkDataSize, maxDataBytes } from './data-limit';
import { parseNpy, type NpyArray } from './npy';

/** A Keras .npz file: its .npy members by name (without ".npy"), parsed on demand. */
export interface NpzFile {
  file: string;
  names: string[];
  get(name: string): NpyArray;
}

export interface NpzReadOptions {
  /** Refuse members whose uncompressed sizes add up to more (checked before inflating); default maxDataBytes(). */
  maxBytes?: number;
}

const TOO_BIG_FIX = 'check that the file is what it claims to be';

/**
 * Opens a .npz (a zip of .npy files, stored or deflated); errors name the file and member. The
 * sizes the zip promises are checked against the cap before anything is inflated, and each
 * member is inflated into a buffer of its promised size, so no member inflates past it.
 */
export function readNpz(file: string, options: NpzReadOptions = {}): NpzFile {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new UserError(`${file}: cannot read .npz file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const max = options.maxBytes ?? maxDataBytes();
  let promised = 0;
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes, {
      filter: (member) => {
        promised += member.originalSize;
        checkDataSize(`${file} (${member.name})`, member.originalSize, 'its zip header promises', TOO_BIG_FIX, max);
        checkDataSize(file, promised, `its members up to ${member.name} promise`, TOO_BIG_FIX, max);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${file}: not a readable .npz (zip) file (${(e as Error).message}); it may be truncated or damaged`);
  }
  const names = Object.keys(members)
    .filter((n) => n.endsWith('.npy'))
    .map((n) => n.slice(0, -4));
  return {
    file,
    names,
    get(name: string): NpyArray {
      const member = members[`${name}.npy`];
      if (!member) {
        throw new UserError(`${file}: missing member ${name}.npy (it holds: ${names.map((n) => `${n}.npy`).join(', ') || 'nothing'})`);
      }
      return parseNpy(member, `${file} (${name}.npy)`);
    },
  };
}
