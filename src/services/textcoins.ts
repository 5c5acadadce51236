import Big from 'big.js';
import type { Db } from '../storage/db.ts';
import type { KeyDerivation, NetworkName } from '../storage/schema.ts';
import type { Mailer } from '../mail/mailer.ts';
import type { SecretBox } from './secret-box.ts';

/** Makes the textcoin for a payout to an email: a fresh 12-word mnemonic, stored only encrypted. */
export interface TextcoinIssuer {
  issue(): Promise<{ address: string; mnemonicEncrypted: string; keyDerivation: KeyDerivation }>;
}

/** `newTextcoin` derives as the Obyte wallets do (src/obyte/keys.ts), the only rule a new key may come from. */
export function textcoinIssuer(box: SecretBox, newTextcoin: () => Promise<{ mnemonic: string; address: string }>): TextcoinIssuer {
  return {
    async issue() {
      const coin = await newTextcoin();
      return { address: coin.address, mnemonicEncrypted: box.seal(coin.mnemonic), keyDerivation: 'bitcore' };
    },
  };
}

export interface TextcoinMailDeps {
  db: Db;
  box: SecretBox;
  mailer: Mailer;
  /** The claim link for a hyphenated mnemonic on a network. */
  link(network: NetworkName, mnemonic: string): string;
  ttlDays: number;
  now?: () => number;
  log?: (level: 'warn', message: string, extra: Record<string, unknown>) => void;
}

function gbytes(bytes: bigint): string {
  return new Big(bytes.toString()).div(1e9).toFixed(9).replace(/\.?0+$/, '');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * E-mails every funded textcoin that has not been e-mailed yet (those named, or all of them: at start and then
 * every minute). A crash between sending and recording may send one message twice; it never loses one. A message
 * the mail server refuses is logged and left for the next pass; the others still go.
 */
export async function emailTextcoins(deps: TextcoinMailDeps, payoutIds?: readonly string[]): Promise<number> {
  let q = deps.db.kysely
    .selectFrom('textcoins')
    .innerJoin('payouts', 'payouts.id', 'textcoins.payout_id')
    .select(['textcoins.payout_id', 'textcoins.network', 'textcoins.email', 'textcoins.mnemonic_enc', 'payouts.cashback'])
    .where('textcoins.status', '=', 'funded')
    .where('textcoins.emailed_at', 'is', null);
  if (payoutIds) {
    if (payoutIds.length === 0) return 0;
    q = q.where('textcoins.payout_id', 'in', payoutIds);
  }
  let sent = 0;
  for (const row of await q.execute()) {
    const link = deps.link(row.network, deps.box.open(row.mnemonic_enc));
    const amount = `${gbytes(BigInt(row.cashback))} GB`;
    const subject = `Your cashback: ${amount}`;
    const text =
      `You received ${amount} (${BigInt(row.cashback)} bytes) of cashback for your purchase.\n\n` +
      `Claim it here: ${link}\n\n` +
      `Open the link on a device with an Obyte wallet. If it is not claimed within ${deps.ttlDays} days, it is taken back.\n`;
    const html =
      `<p>You received <b>${escapeHtml(amount)}</b> of cashback for your purchase.</p>` +
      `<p><a href="${escapeHtml(link)}">Claim your cashback</a></p>` +
      `<p>Open the link on a device with an Obyte wallet. If it is not claimed within ${deps.ttlDays} days, it is taken back.</p>`;
    try {
      await deps.mailer.send({ to: row.email, subject, text, html });
    } catch (e) {
      deps.log?.('warn', 'a textcoin e-mail could not be sent; it is tried again later', { payout: row.payout_id, error: String(e) });
      continue;
    }
    await deps.db.kysely
      .updateTable('textcoins')
      .set({ emailed_at: (deps.now ?? Date.now)() })
      .where('payout_id', '=', row.payout_id)
      .execute();
    sent++;
  }
  return sent;
}
