import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../errors';
import { baseName, readTarEntries } from './tar-entries';

/** One newswire of Reuters-21578 as is-bench needs it. */
export interface ReutersDoc {
  newId: number;
  /** The <TOPICS> categories in document order (may be empty). */
  topics: string[];
  /** The <BODY> text, raw (SGML entities left as they are, like Keras' builder); see docText. */
  text: string;
}

/** reut2-000.sgm ... reut2-021.sgm */
export const REUTERS_FILES = Array.from({ length: 22 }, (_, i) => `reut2-${String(i).padStart(3, '0')}.sgm`);

const OPEN = '<REUTERS';
const CLOSE = '</REUTERS>';

function between(s: string, open: string, close: string): string | undefined {
  const a = s.indexOf(open);
  if (a < 0) return undefined;
  const b = s.indexOf(close, a + open.length);
  return b < 0 ? undefined : s.slice(a + open.length, b);
}

/**
 * The text a document contributes: its <BODY>; documents without one (briefs hold only a
 * title, unprocessed ones raw text) use the content of <TEXT> with its tags removed.
 * Entities such as `&lt;` and the `&#3;` end marker stay raw: the Keras filter turns them into
 * the words "lt" and "3", exactly as in Keras' reuters set ("... reuter 3").
 */
function docText(doc: string): string {
  const body = between(doc, '<BODY>', '</BODY>');
  if (body !== undefined) return body;
  const text = /<TEXT[^>]*>([\s\S]*?)<\/TEXT>/.exec(doc)?.[1] ?? '';
  return text.replace(/<[^>]+>/g, ' ');
}

/**
 * Parses one reut2-*.sgm file (read as latin1: reut2-017.sgm holds a non-ASCII byte 0xFC).
 * Errors name the file: a document that is opened but never closed means a truncated file.
 */
export function parseReutersSgml(content: string, file: string): ReutersDoc[] {
  const docs: ReutersDoc[] = [];
  let at = content.indexOf(OPEN);
  if (at < 0) throw new UserError(`${file}: no <REUTERS> documents (not a Reuters-21578 SGML file)`);
  while (at >= 0) {
    const end = content.indexOf(CLOSE, at);
    const next = content.indexOf(OPEN, at + OPEN.length);
    if (end < 0 || (next >= 0 && next < end)) {
      const id = /NEWID="(\d+)"/.exec(content.slice(at, at + 200))?.[1] ?? '?';
      throw new UserError(`${file}: document NEWID=${id} has no closing </REUTERS> (the file is truncated or damaged)`);
    }
    const doc = content.slice(at, end);
    const newId = Number(/NEWID="(\d+)"/.exec(doc.slice(0, 300))?.[1] ?? NaN);
    if (!Number.isInteger(newId)) throw new UserError(`${file}: a <REUTERS> tag without NEWID at offset ${at}`);
    const topicsBlock = between(doc, '<TOPICS>', '</TOPICS>') ?? '';
    const topics = [...topicsBlock.matchAll(/<D>([^<]*)<\/D>/g)].map((m) => m[1]);
    docs.push({ newId, topics, text: docText(doc) });
    at = next;
  }
  return docs;
}

/**
 * All 22 SGML files from the published archive (members matched by file name, wherever they
 * sit: UCI's archive has them at the top, others in a reuters21578/ folder) or from a folder,
 * in file order. A missing file is an error, never a smaller corpus.
 */
export async function readReutersCorpus(source: string): Promise<ReutersDoc[]> {
  const byFile = new Map<string, ReutersDoc[]>();
  if (fs.statSync(source).isDirectory()) {
    for (const name of REUTERS_FILES) {
      const file = path.join(source, name);
      if (fs.existsSync(file)) byFile.set(name, parseReutersSgml(fs.readFileSync(file).toString('latin1'), file));
    }
  } else {
    await readTarEntries(
      source,
      (p) => REUTERS_FILES.includes(baseName(p)),
      (p, data) => byFile.set(baseName(p), parseReutersSgml(data.toString('latin1'), `${source} (${p})`)),
    );
  }
  const missing = REUTERS_FILES.filter((f) => !byFile.has(f));
  if (missing.length > 0) {
    throw new UserError(`${source}: missing Reuters-21578 file${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (all 22 reut2-*.sgm are needed)`);
  }
  return REUTERS_FILES.flatMap((f) => byFile.get(f)!);
}

/** The Keras-style single-label topic task built from the corpus. */
export interface ReutersTopicTask {
  /** Kept documents, in corpus order. */
  docs: ReutersDoc[];
  /** Class id of each kept document. */
  labels: Int32Array;
  /** Topic name of each class id. */
  topicNames: string[];
  /** Documents with at least one topic (before keeping the top topics). */
  withTopics: number;
}

/**
 * Documents with at least one topic, labelled with their first topic; only the `topics` most
 * frequent labels are kept (count ties broken by first appearance). Class ids follow the order
 * in which the kept topics first appear in the corpus; on Reuters-21578 with 46 topics this
 * gives Keras' reuters.npz: 11,228 documents and the same 46 topics in the same id order
 * (cocoa=0, grain=1, veg-oil=2, earn=3, acq=4, ...).
 */
export function buildTopicTask(allDocs: ReutersDoc[], topics: number): ReutersTopicTask {
  const tagged = allDocs.filter((d) => d.topics.length > 0);
  const counts = new Map<string, number>();
  const firstSeen = new Map<string, number>();
  tagged.forEach((d, i) => {
    const t = d.topics[0];
    counts.set(t, (counts.get(t) ?? 0) + 1);
    if (!firstSeen.has(t)) firstSeen.set(t, i);
  });
  const kept = new Set(
    [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)! || firstSeen.get(a)! - firstSeen.get(b)!).slice(0, topics),
  );
  const docs = tagged.filter((d) => kept.has(d.topics[0]));
  const topicNames: string[] = [];
  const idOf = new Map<string, number>();
  const labels = new Int32Array(docs.length);
  docs.forEach((d, i) => {
    const t = d.topics[0];
    if (!idOf.has(t)) {
      idOf.set(t, topicNames.length);
      topicNames.push(t);
    }
    labels[i] = idOf.get(t)!;
  });
  return { docs, labels, topicNames, withTopics: tagged.length };
}
