// Address definitions and their authentifiers, as ocore definition.js validates and evaluates them.
// This hub knows the single-signature definition ['sig', {pubkey}], the one wallets and textcoins use.
import { PUBKEY_LENGTH } from '../../obyte/constants.ts';
import { verifyText } from '../../obyte/signature.ts';
import { hasFieldsExcept, isNonemptyObject, isStringOfLength } from './predicates.ts';

const ROOT_PATH = 'r';

/** null when the authentifiers satisfy the definition, else ocore's error text. `signedText`: its sha256 is what was signed. */
export function checkAuthentifiers(definition: unknown, authentifiers: Record<string, string>, signedText: string): string | null {
  const shapeError = definitionShapeError(definition);
  if (shapeError) return shapeError;
  // definitionShapeError accepted exactly ['sig', {pubkey}]
  const { pubkey } = (definition as [string, { pubkey: string }])[1];
  const signature = authentifiers[ROOT_PATH];
  const used = signature ? [ROOT_PATH] : [];
  const verified = signature !== undefined && verifyText(signedText, signature, pubkey);
  if (signature !== undefined && !verified) return 'bad signature at path ' + ROOT_PATH;
  const passed = Object.keys(authentifiers);
  if (used.length !== passed.length)
    return `some authentifiers are not used, res=${String(verified)}, used=${used.join(',')}, passed=${JSON.stringify(authentifiers)}`;
  if (!verified) return 'authentifier verification failed';
  return null;
}

function definitionShapeError(definition: unknown): string | null {
  if (!Array.isArray(definition) || definition.length !== 2) return 'expression must be 2-element array';
  const [op, args] = definition as [unknown, unknown];
  if (typeof op !== 'string') return 'op is not a string';
  if (op !== 'sig') return `definition op ${op} is not supported by this hub`;
  if (!isNonemptyObject(args)) return op + ' args must be a non-empty object';
  if (hasFieldsExcept(args, ['algo', 'pubkey'])) return 'unknown fields in ' + op;
  if (args.algo === 'secp256k1') return 'default algo must not be explicitly specified';
  if ('algo' in args) return 'unsupported sig algo';
  if (!isStringOfLength(args.pubkey, PUBKEY_LENGTH)) return 'wrong pubkey length';
  return null;
}
