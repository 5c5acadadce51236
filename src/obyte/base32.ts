// RFC 4648 base32 without padding; Obyte addresses are 160 bits, i.e. exactly 32 characters.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

const VALUE_OF = new Map<string, number>();
for (let i = 0; i < ALPHABET.length; i++) {
  const ch = ALPHABET.charAt(i);
  VALUE_OF.set(ch, i);
  VALUE_OF.set(ch.toLowerCase(), i);
}

export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET.charAt((buffer >>> bits) & 31);
    }
  }
  if (bits > 0) out += ALPHABET.charAt((buffer << (5 - bits)) & 31);
  return out;
}

/** Case-insensitive; trailing '=' padding is accepted; null when a character is outside the alphabet. */
export function base32Decode(text: string): Uint8Array | null {
  const body = text.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((body.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let written = 0;
  for (const ch of body) {
    const value = VALUE_OF.get(ch);
    if (value === undefined) return null;
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[written++] = (buffer >>> bits) & 0xff;
    }
  }
  return out;
}
