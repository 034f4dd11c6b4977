import { z } from 'zod';

/** `arms[1].presample` from a zod path. */
export function formatPath(path: (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out || '(top level)';
}

function valueAt(data: unknown, path: (string | number)[]): unknown {
  let v: unknown = data;
  for (const part of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[part];
  }
  return v;
}

function unwrap(schema: z.ZodTypeAny): z.ZodTypeAny {
  let s = schema;
  for (;;) {
    if (s instanceof z.ZodDefault) s = s._def.innerType;
    else if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s._def.innerType;
    else if (s instanceof z.ZodEffects) s = s._def.schema;
    else return s;
  }
}

/** The union member meant for `value`: by discriminator, or by the kind of value. */
function pickMember(s: z.ZodTypeAny, value: unknown): z.ZodTypeAny | undefined {
  if (s instanceof z.ZodDiscriminatedUnion) {
    const key = (value as Record<string, unknown> | undefined)?.[s.discriminator];
    return s.optionsMap.get(key as never);
  }
  if (s instanceof z.ZodUnion) {
    const options = s.options as z.ZodTypeAny[];
    const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
    return options.map(unwrap).find((o) => (isObject ? o instanceof z.ZodObject : !(o instanceof z.ZodObject)));
  }
  return s;
}

/** The schema that validates the value at `path`, where it can be found without guessing. */
function schemaAt(schema: z.ZodTypeAny, path: (string | number)[], data: unknown): z.ZodTypeAny | undefined {
  let s: z.ZodTypeAny | undefined = unwrap(schema);
  for (let i = 0; i <= path.length; i++) {
    if (!s) return undefined;
    s = pickMember(s, valueAt(data, path.slice(0, i)));
    if (!s || i === path.length) break;
    const part = path[i];
    if (s instanceof z.ZodObject && typeof part === 'string') s = (s.shape as Record<string, z.ZodTypeAny>)[part];
    else if (s instanceof z.ZodArray && typeof part === 'number') s = s.element;
    else return undefined;
    s = s ? unwrap(s) : undefined;
  }
  return s;
}

/** "a number > 1", "an integer >= 1", "one of gnorm, loss", ... for the simple schemas. */
export function describeSchema(schema: z.ZodTypeAny): string | undefined {
  const s = unwrap(schema);
  if (s instanceof z.ZodNumber) {
    const isInt = s._def.checks.some((c) => c.kind === 'int');
    const bounds = s._def.checks
      .map((c) => {
        if (c.kind === 'min') return `${c.inclusive ? '>=' : '>'} ${c.value}`;
        if (c.kind === 'max') return `${c.inclusive ? '<=' : '<'} ${c.value}`;
        return undefined;
      })
      .filter(Boolean);
    return `${isInt ? 'an integer' : 'a number'}${bounds.length ? ' ' + bounds.join(' and ') : ''}`;
  }
  if (s instanceof z.ZodEnum) return `one of ${(s.options as string[]).join(', ')}`;
  if (s instanceof z.ZodString) return 'a string';
  if (s instanceof z.ZodBoolean) return 'true or false';
  if (s instanceof z.ZodArray) {
    const min = s._def.minLength?.value;
    return min ? `a list of at least ${min} item${min === 1 ? '' : 's'}` : 'a list';
  }
  if (s instanceof z.ZodObject) return 'a mapping';
  return undefined;
}

/** A value as it appears in messages: JSON, cut to 60 characters (a stray 1 MB string stays out). */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let json: string;
  try {
    json = JSON.stringify(value) ?? String(value);
  } catch {
    // a BigInt, a cycle or an object without toString: from a document that did not come from a file
    json = typeof value === 'bigint' ? `${value}n` : `(${typeof value})`;
  }
  return json.length > 60 ? json.slice(0, 57) + '...' : json;
}

/**
 * One readable line per zod issue: `arms[1].presample must be a number > 1 (got "three")`.
 * `prefix` is prepended to paths (for a part validated on its own, e.g. one arm's parameters).
 */
export function describeIssues(
  error: z.ZodError,
  schema: z.ZodTypeAny,
  data: unknown,
  prefix: (string | number)[] = [],
): string[] {
  return error.issues.flatMap((issue): string[] => {
    const where = formatPath([...prefix, ...issue.path]);
    const got = valueAt(data, issue.path);
    if (issue.code === 'unrecognized_keys') {
      const allowed = schemaAt(schema, issue.path, data);
      const names = allowed instanceof z.ZodObject ? Object.keys(allowed.shape).join(', ') : '';
      const at = issue.path.length || prefix.length ? `${where}: ` : '';
      return [`${at}unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}${names ? ` (allowed: ${names})` : ''}`];
    }
    if ((issue.code === 'invalid_type' || issue.code === 'invalid_union') && got === undefined) return [`${where} is required`];
    if (issue.code === 'invalid_union') {
      // report the member meant for this kind of value, not every alternative
      const meant = issue.unionErrors.find((e) => !e.issues.some((i) => i.code === 'invalid_type' && i.path.length === issue.path.length));
      if (meant) return describeIssues(meant, schema, data, prefix);
    }
    if (issue.code === 'invalid_union_discriminator') {
      return [`${where} must be one of ${issue.options.map(String).join(', ')} (got ${showValue(got)})`];
    }
    // a bound whose schema states its reason ("must be at most 10000000 (every sample is ...)")
    if (issue.code === 'too_big' && issue.message.startsWith('must be ')) return [`${where} ${issue.message} (got ${showValue(got)})`];
    const described = schemaAt(schema, issue.path, data);
    const expected = described ? describeSchema(described) : undefined;
    if (expected && ['invalid_type', 'too_small', 'too_big', 'invalid_enum_value', 'not_finite'].includes(issue.code)) {
      return [`${where} must be ${expected} (got ${showValue(got)})`];
    }
    return [`${where}: ${issue.message} (got ${showValue(got)})`];
  });
}
