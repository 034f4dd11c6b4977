import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as os from 'os';

export type MachineInfo = {
  cpu: string;
  cores: number;
  memoryGiB: number;
  platform: string;
  arch: string;
  hostname: string;
};

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.type()} ${os.release()}`,
    arch: os.arch(),
    hostname: os.hostname(),
  };
}

/** The git commit of a checkout, or undefined outside one. */
export function gitCommit(dir: string): string | undefined {
  try {
    const head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    return dirty ? `${head}-dirty` : head;
  } catch {
    return undefined;
  }
}

/** A short stable hash of a JSON-serialisable value (the resolved config). */
export function configHash(value: unknown): string {
  return crypto.createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 12);
}
