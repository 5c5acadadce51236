import { NumberText } from '../domain/purchase-request.ts';

/**
 * A strict JSON parser (RFC 8259) for request bodies that reads JSON the way the contract (§3) reads a form:
 * - when a key comes twice in an object, the first value wins (JSON.parse keeps the last);
 * - a number is kept as its text exactly as written (NumberText), never rounded through a double;
 * - objects have no prototype, so a "__proto__" key is an ordinary key.
 * Nesting deeper than MAX_DEPTH is refused, so no body can exhaust the stack. Strings are left as they are
 * (a \ud800 escape gives a lone surrogate): the request rules judge text, the parser judges syntax.
 */
export type JsonValue = string | NumberText | boolean | null | JsonValue[] | { [key: string]: JsonValue };

const MAX_DEPTH = 32;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
// A run of string characters that needs no work: neither quote, backslash nor control character.
const PLAIN_RUN = /[^"\\\u0000-\u001f]*/y;
const NEEDS_WORK = /[\\\u0000-\u001f]/;
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const HEX4 = /^[0-9A-Fa-f]{4}$/;
const LITERALS = [['true', true], ['false', false], ['null', null]] as const;

class Syntax extends Error {}

class Parser {
  private pos = 0;

  constructor(private readonly text: string) {}

  parseDocument(): JsonValue {
    const value = this.value(0);
    this.space();
    if (this.pos !== this.text.length) throw new Syntax();
    return value;
  }

  private space(): void {
    const t = this.text;
    let c = t.charCodeAt(this.pos);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = t.charCodeAt(++this.pos);
  }

  private value(depth: number): JsonValue {
    this.space();
    const c = this.text[this.pos];
    if (c === '{') return this.object(depth + 1);
    if (c === '[') return this.array(depth + 1);
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const [word, v] of LITERALS) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return v;
      }
    }
    throw new Syntax();
  }

  private expect(c: string): void {
    this.space();
    if (this.text[this.pos] !== c) throw new Syntax();
    this.pos++;
  }

  /** Reads `}` or `]` when it comes next (an empty object or array). */
  private closes(c: string): boolean {
    this.space();
    if (this.text[this.pos] !== c) return false;
    this.pos++;
    return true;
  }

  private object(depth: number): { [key: string]: JsonValue } {
    if (depth > MAX_DEPTH) throw new Syntax();
    this.pos++;
    const out: { [key: string]: JsonValue } = Object.create(null);
    if (this.closes('}')) return out;
    for (;;) {
      this.space();
      if (this.text[this.pos] !== '"') throw new Syntax();
      const key = this.string();
      this.expect(':');
      const v = this.value(depth);
      if (!Object.hasOwn(out, key)) out[key] = v;
      if (this.closes('}')) return out;
      this.expect(',');
    }
  }

  private array(depth: number): JsonValue[] {
    if (depth > MAX_DEPTH) throw new Syntax();
    this.pos++;
    const out: JsonValue[] = [];
    if (this.closes(']')) return out;
    for (;;) {
      out.push(this.value(depth));
      if (this.closes(']')) return out;
      this.expect(',');
    }
  }

  private number(): NumberText {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m) throw new Syntax();
    this.pos += m[0].length;
    return new NumberText(m[0]);
  }

  private string(): string {
    const t = this.text;
    const start = this.pos + 1; // past the opening quote
    // Fast path: up to the next quote there is neither a backslash nor a control character.
    const end = t.indexOf('"', start);
    if (end !== -1) {
      const run = t.slice(start, end);
      if (!NEEDS_WORK.test(run)) {
        this.pos = end + 1;
        return run;
      }
    }
    this.pos = start;
    let out = '';
    for (;;) {
      PLAIN_RUN.lastIndex = this.pos;
      const run = PLAIN_RUN.exec(t)![0];
      out += run;
      this.pos += run.length;
      const c = t[this.pos];
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c !== '\\') throw new Syntax(); // a control character, or the end of the text
      const e = t[this.pos + 1];
      if (e === 'u') {
        const hex = t.slice(this.pos + 2, this.pos + 6);
        if (!HEX4.test(hex)) throw new Syntax();
        out += String.fromCharCode(parseInt(hex, 16));
        this.pos += 6;
      } else {
        const plain = e === undefined ? undefined : ESCAPES[e];
        if (plain === undefined) throw new Syntax();
        out += plain;
        this.pos += 2;
      }
    }
  }
}

/** The body as the fields of a request: a JSON object, or null when it is not one complete JSON text or not an object. */
export function parseJsonObject(text: string): Record<string, unknown> | null {
  let value: JsonValue;
  try {
    value = new Parser(text).parseDocument();
  } catch (e) {
    if (e instanceof Syntax) return null;
    throw e;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof NumberText) return null;
  return value;
}
