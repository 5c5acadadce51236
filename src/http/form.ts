/**
 * application/x-www-form-urlencoded as real clients send it (clients.md): `+` is a space, literal spaces and `@`
 * stand for themselves, a stray `%` that starts no valid escape is kept as it is, and when a key comes twice
 * the first value wins.
 */
export function parseForm(body: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (body === '') return out;
  for (const pair of body.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodeComponent(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decodeComponent(pair.slice(eq + 1));
    if (key !== '' && !(key in out)) out[key] = value;
  }
  return out;
}

function decodeComponent(text: string): string {
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    // Decode each run of well-formed escapes on its own; keep anything else literally.
    return spaced.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}
