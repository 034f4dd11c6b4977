import * as fs from 'fs';
import { unzipSync } from 'fflate';
import { UserError } from '../errors';
import { formatBytes } from './download';
import { parseNpy, type NpyArray } from './npy';

/** A Keras .npz file: its .npy members by name (without ".npy"), parsed on demand. */
export interface NpzFile {
  file: string;
  names: string[];
  get(name: string): NpyArray;
}

export interface NpzReadOptions {
  /** Refuse a member whose uncompressed size is larger (checked before inflating it). */
  maxMemberBytes?: number;
}

/** Opens a .npz (a zip of .npy files, stored or deflated); errors name the file and member. */
export function readNpz(file: string, options: NpzReadOptions = {}): NpzFile {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new UserError(`${file}: cannot read .npz file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes, {
      filter: (member) => {
        const max = options.maxMemberBytes;
        if (max !== undefined && member.originalSize > max) {
          throw new UserError(`${file}: member ${member.name} is ${formatBytes(member.originalSize)} uncompressed, more than the ${formatBytes(max)} is-bench reads`);
        }
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
