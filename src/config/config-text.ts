import * as fs from 'fs';
import YAML from 'yaml';
import { UserError } from '../errors';
import { formatPath } from './issues';

/**
 * From a config file's bytes to a plain document (mappings, lists, strings, finite numbers,
 * booleans, null), rejecting with a UserError whatever a config cannot be: binary data, text
 * that is not UTF-8, huge or deeply nested documents, alias bombs, YAML-only values.
 */

/** Largest config file accepted: configs are a few kB; anything near this is a mistake. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Deepest nesting of mappings and lists accepted (configs need about 5). */
export const MAX_DEPTH = 32;
/**
 * Nesting in the text above which the YAML parser is not run: it recurses once per level and
 * overflows the stack near 800 levels, and after that overflow V8 can abort the whole process.
 */
const MAX_TEXT_NESTING = 100;
/** Alias expansions allowed (the yaml library's guard against "billion laughs" documents). */
const MAX_ALIAS_COUNT = 100;

const tooDeep = (where: string) => new UserError(`${where}: nested more than ${MAX_DEPTH} levels deep; not an experiment config`);

/**
 * Reads at most MAX_CONFIG_BYTES of a regular file. Checked before opening: opening a FIFO
 * waits for a writer forever, and a /proc file reports size 0 whatever it holds.
 */
export function readConfigBytes(file: string, where: string): Buffer {
  let fd: number;
  try {
    const stat = fs.statSync(file);
    if (stat.isDirectory()) throw new UserError(`${where}: is a folder; expected a .yaml or .json config file`);
    if (!stat.isFile()) throw new UserError(`${where}: not a regular file; expected a .yaml or .json config file`);
    if (stat.size > MAX_CONFIG_BYTES) throw tooLarge(where, `${stat.size} bytes`);
    fd = fs.openSync(file, 'r');
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw unreadable(e, where);
  }
  try {
    const buf = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let length = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, length, buf.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > MAX_CONFIG_BYTES) throw tooLarge(where, `more than ${MAX_CONFIG_BYTES} bytes`);
    }
    return buf.subarray(0, length);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw unreadable(e, where);
  } finally {
    fs.closeSync(fd);
  }
}

function tooLarge(where: string, size: string): UserError {
  return new UserError(`${where}: ${size} is too large for an experiment config (limit ${MAX_CONFIG_BYTES} bytes)`);
}

function unreadable(e: unknown, where: string): UserError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new UserError(`${where}: no such file`);
  if (code === 'EISDIR') return new UserError(`${where}: is a folder; expected a .yaml or .json config file`);
  return new UserError(`${where}: cannot read the config file (${code ?? (e as Error).message})`);
}

/** UTF-8 text from a config file's bytes; binary data and other encodings are rejected. */
export function decodeConfigBytes(bytes: Uint8Array, where: string): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new UserError(`${where}: UTF-16 text; save the config as UTF-8`);
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new UserError(`${where}: binary data (a NUL byte at offset ${nul}), not a YAML or JSON config`);
  try {
    // fatal: a byte that is not UTF-8 is an error, not a silent U+FFFD; the BOM is dropped
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UserError(`${where}: not UTF-8 text (binary data or another encoding); a config is a UTF-8 .yaml or .json file`);
  }
}

/** Control characters YAML does not allow in a text (tab, LF and CR are fine). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * An upper estimate of a YAML text's nesting, without parsing: open flow brackets plus block
 * levels (indentation steps and compact "- " / "? " indicators). Brackets inside strings count
 * too; no real config comes near the limit.
 */
export function textNesting(text: string): number {
  let flow = 0;
  let max = 0;
  const indents: number[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    const prefix = /^[ \t]*((?:[-?:](?:[ \t]+|$))*)/.exec(line)!;
    const indent = prefix[0].length - prefix[1].length;
    if (prefix[0].length < line.length || prefix[1]) {
      while (indents.length && indents[indents.length - 1] > indent) indents.pop();
      if (!indents.length || indents[indents.length - 1] < indent) indents.push(indent);
    }
    const block = indents.length + (prefix[1].match(/[-?:]/g)?.length ?? 0);
    for (let i = prefix[0].length; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c === 0x5b || c === 0x7b) flow++; // [ {
      else if ((c === 0x5d || c === 0x7d) && flow > 0) flow--; // ] }
      else if (c === 0x23 && (i === 0 || line[i - 1] === ' ' || line[i - 1] === '\t')) break; // a comment
      max = Math.max(max, block + flow);
    }
    max = Math.max(max, block + flow);
  }
  return max;
}

type YamlDoc = YAML.Document.Parsed;

/**
 * The depth of a YAML document's data with aliases expanded, computed on the node tree
 * (toJS would recurse once per expanded level); an alias inside its own anchor is rejected.
 */
function expandedDepth(doc: YamlDoc, where: string): number {
  const anchors = new Map<string, YAML.Node>();
  const done = new Map<YAML.Node, number>();
  const open = new Set<YAML.Node>();
  const depth = (node: unknown): number => {
    if (YAML.isAlias(node)) {
      const target = anchors.get(node.source);
      if (!target) return 0; // an unresolved alias: toJS names it
      if (open.has(target)) throw new UserError(`${where}: the alias *${node.source} is inside its own anchor &${node.source} (a recursive document)`);
      return done.get(target) ?? 0;
    }
    if (YAML.isPair(node)) return Math.max(depth(node.key), depth(node.value));
    if (!YAML.isNode(node)) return 0;
    if (node.anchor) anchors.set(node.anchor, node);
    let d = 0;
    if (YAML.isCollection(node)) {
      open.add(node);
      let inner = 0;
      for (const item of node.items as unknown[]) {
        // a `key: value` pair directly in a list becomes a one-key mapping
        inner = Math.max(inner, (YAML.isPair(item) && YAML.isSeq(node) ? 1 : 0) + depth(item));
      }
      open.delete(node);
      d = 1 + inner;
    }
    done.set(node, d);
    return d;
  };
  return depth(doc.contents);
}

/** The yaml library's messages that speak of its own API, in a config author's words. */
const YAML_MESSAGES: Partial<Record<string, string>> = {
  MULTIPLE_DOCS: 'more than one document (a second "---"); a config is one document',
  NON_STRING_KEY: 'a key that is a list or mapping; keys are names',
};

function parseYaml(text: string, where: string): unknown {
  if (textNesting(text) > MAX_TEXT_NESTING) throw tooDeep(where);
  const doc = YAML.parseDocument(text, {
    schema: 'core',
    merge: false,
    resolveKnownTags: false, // no !!binary, !!set, !!timestamp: a config holds plain values
    stringKeys: true,
    uniqueKeys: true,
    logLevel: 'error', // not 'silent', which also drops the error for a second document
  });
  // warnings too: an unknown tag (!!js/function) is not silently dropped
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    if (/call stack/i.test(problem.message)) throw tooDeep(where);
    const line = problem.linePos?.[0]?.line;
    if (problem.code === 'TAG_RESOLVE_FAILED') {
      const tag = /Unresolved tag: (\S+)/.exec(problem.message)?.[1]?.replace('tag:yaml.org,2002:', '!!') ?? 'a tag';
      throw new UserError(`${where}${line ? `:${line}` : ''}: YAML tag ${tag} is not supported; a config holds plain values (mappings, lists, strings, numbers, true/false)`);
    }
    const message = YAML_MESSAGES[problem.code] ?? problem.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    throw new UserError(`${where}${line ? `:${line}` : ''}: invalid YAML (${message})`);
  }
  if (expandedDepth(doc, where) > MAX_DEPTH) throw tooDeep(where);
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    if (/resource exhaustion/i.test(message)) {
      throw new UserError(`${where}: YAML aliases (*name) expand to too much data (a "billion laughs" document?); write the values out`);
    }
    throw new UserError(`${where}: invalid YAML (${message.split('\n')[0]})`);
  }
}

/** Parses YAML or JSON text into a plain document; anything else becomes a UserError naming `where`. */
export function parseConfigText(text: string, where: string, json: boolean): unknown {
  const control = CONTROL.exec(text);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase();
    throw new UserError(`${where}:${lineOf(text, control.index)}: binary data (control character U+${code}), not a YAML or JSON config`);
  }
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let doc: unknown;
  if (json) {
    try {
      doc = JSON.parse(body);
    } catch (e) {
      // V8 quotes the text near the error, newlines and all: one line, not too long
      const message = (e as Error).message.replace(/\s+/g, ' ');
      throw new UserError(`${where}: invalid JSON (${message.length > 120 ? message.slice(0, 117) + '...' : message})`);
    }
  } else {
    doc = parseYaml(body, where);
  }
  checkPlainData(doc, where);
  return doc;
}

function kindOf(value: unknown): string {
  if (typeof value === 'bigint') return 'a BigInt';
  if (typeof value === 'symbol') return 'a symbol';
  if (typeof value === 'function') return 'a function';
  const name = (value as object)?.constructor?.name;
  return name ? `a ${name}` : 'an object';
}

/**
 * Throws a UserError for what a config cannot hold: values that are not plain data, numbers
 * that are not finite (.inf, .nan, 1e400), cycles, nesting deeper than MAX_DEPTH. Walks at most
 * MAX_DEPTH + 1 levels, so it is safe on any value (a document that did not come from a file).
 */
export function checkPlainData(doc: unknown, where: string): void {
  const ancestors: unknown[] = [];
  const visit = (value: unknown, path: (string | number)[]): void => {
    if (value === null || value === undefined || typeof value === 'string' || typeof value === 'boolean') return;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new UserError(`${where}: ${formatPath(path)} must be a finite number (got ${value})`);
      return;
    }
    const proto = typeof value === 'object' ? Object.getPrototypeOf(value) : undefined;
    const isArray = Array.isArray(value);
    if (!isArray && proto !== Object.prototype && proto !== null) {
      throw new UserError(`${where}: ${formatPath(path)} must be a mapping, list, string, number, true/false or null (got ${kindOf(value)})`);
    }
    if (ancestors.includes(value)) throw new UserError(`${where}: ${formatPath(path)} contains itself (a recursive document)`);
    if (ancestors.length >= MAX_DEPTH) throw tooDeep(where);
    ancestors.push(value);
    if (isArray) (value as unknown[]).forEach((v, i) => visit(v, [...path, i]));
    else for (const key of Object.keys(value as object)) visit((value as Record<string, unknown>)[key], [...path, key]);
    ancestors.pop();
  };
  visit(doc, []);
}
