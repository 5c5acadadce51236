// The two canonical serialisations ocore hashes (string_utils.js). Error texts are ocore's, because hubs
// and tests compare them; each names the whole input, serialised with plain JSON.stringify.

const NUL = '\u0000';

function isSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdfff;
}

/**
 * JSON.stringify of a string with every UTF-16 surrogate, paired or lone, written as a lowercase \udxxx escape.
 * ocore escapes valid pairs too (emoji), so the output is pure BMP-without-surrogates text.
 */
function quoteString(s: string): string {
  const json = JSON.stringify(s);
  let out = '';
  let copiedUpTo = 0;
  for (let i = 0; i < json.length; i++) {
    const code = json.charCodeAt(i);
    if (!isSurrogate(code)) continue;
    out += json.slice(copiedUpTo, i) + '\\u' + code.toString(16);
    copiedUpTo = i + 1;
  }
  return copiedUpTo === 0 ? json : out + json.slice(copiedUpTo);
}

function describe(root: unknown): string {
  return JSON.stringify(root);
}

function checkNumber(n: number): void {
  if (!Number.isFinite(n)) throw new Error('invalid number: ' + n);
}

function unknownType(fn: string, value: unknown, root: unknown): Error {
  return new Error(`${fn}: unknown type=${typeof value} of ${String(value)}, object: ${describe(root)}`);
}

/**
 * Compact JSON with keys sorted (default sort: UTF-16 code units) at every level.
 * Refuses null, undefined, non-finite numbers and, unless allowEmpty, empty arrays and objects.
 */
export function getJsonSourceString(value: unknown, allowEmpty = false): string {
  const root = value;
  const write = (v: unknown): string => {
    if (v === null) throw new Error('null value in ' + describe(root));
    switch (typeof v) {
      case 'string':
        return quoteString(v);
      case 'number':
        checkNumber(v);
        return v.toString();
      case 'boolean':
        return v ? 'true' : 'false';
      case 'object': {
        if (Array.isArray(v)) {
          if (v.length === 0 && !allowEmpty) throw new Error('empty array in ' + describe(root));
          return '[' + v.map(write).join(',') + ']';
        }
        const record = v as Record<string, unknown>;
        const keys = Object.keys(record).sort();
        if (keys.length === 0 && !allowEmpty) throw new Error('empty object in ' + describe(root));
        return '{' + keys.map((k) => quoteString(k) + ':' + write(record[k])).join(',') + '}';
      }
      default:
        throw unknownType('getJsonSourceString', v, root);
    }
  };
  return write(value);
}

/**
 * The legacy form: tagged components (s/n/b, [ ] around arrays, sorted keys before their values) joined by NUL.
 * Still used for address chash (non-AA definitions) and for version 1.0 units.
 */
export function getSourceString(value: unknown): string {
  const root = value;
  const parts: string[] = [];
  const collect = (v: unknown): void => {
    if (v === null) throw new Error('null value in ' + describe(root));
    switch (typeof v) {
      case 'string':
        if (v.includes(NUL)) throw new Error('00 byte in string value in ' + describe(root));
        parts.push('s', v);
        return;
      case 'number':
        checkNumber(v);
        parts.push('n', v.toString());
        return;
      case 'boolean':
        parts.push('b', v ? 'true' : 'false');
        return;
      case 'object': {
        if (Array.isArray(v)) {
          if (v.length === 0) throw new Error('empty array in ' + describe(root));
          parts.push('[');
          v.forEach(collect);
          parts.push(']');
          return;
        }
        const record = v as Record<string, unknown>;
        const keys = Object.keys(record).sort();
        if (keys.length === 0) throw new Error('empty object in ' + describe(root));
        for (const key of keys) {
          if (record[key] === undefined) throw new Error(`undefined at ${key} of ${describe(root)}`);
          if (key.includes(NUL)) throw new Error('00 byte in object key in ' + describe(root));
          parts.push(key);
          collect(record[key]);
        }
        return;
      }
      default:
        throw unknownType('getSourceString', v, root);
    }
  };
  collect(value);
  return parts.join(NUL);
}
