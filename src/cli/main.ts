// `cashback`: the operator's command line. It works on the same store as the server (DATA_DIR / DATABASE_URL).
import { Command } from 'commander';
import { loadConfig, type Config } from '../config.ts';
import type { Db } from '../storage/db.ts';
import type { NetworkName } from '../storage/schema.ts';
import { balance, balances, depositAccount } from '../storage/ledger.ts';
import { walletKey } from '../obyte/keys.ts';
import { HubClient } from '../obyte/hub-client.ts';
import { addPartner, findPartner, listPartners, rotateKey, setEnabled, type Partner } from '../services/partners.ts';
import { assertWalletFitsStore, KEY_INDEX, walletMnemonic } from '../wallet.ts';
import { table } from './table.ts';
import { CliError, json, NETWORKS, out, parseLimit, parseNetwork, parseTime, withDb } from './common.ts';
import { registerActivity } from './activity.ts';
import { EXIT, reconcileText, runReconcile } from './reconcile.ts';

/** The wallet seed, once the store is known to fit its keys (a store of BIP32-derived addresses may not). */
async function storeWallet(db: Db, config: Config): Promise<string> {
  const mnemonic = walletMnemonic(config, false);
  await assertWalletFitsStore(db, mnemonic);
  return mnemonic;
}

async function partnerDetails(db: Db, config: Config, partner: Partner) {
  const address = walletKey(await storeWallet(db, config), KEY_INDEX.depositBase + partner.depositIndex).address;
  const networks: Record<string, { deposit_address: string; deposit_balance: bigint }> = {};
  for (const n of NETWORKS) networks[n] = { deposit_address: address, deposit_balance: await balance(db.kysely, n, depositAccount(partner.id)) };
  return { partner: partner.name, enabled: partner.enabled, created_at: partner.createdAt.toISOString(), networks };
}

const program = new Command('cashback').description('Operate the Obyte cashback server').showHelpAfterError();

const partner = program.command('partner').description('partners (merchants and payment processors)');
partner
  .command('add <name>')
  .description('sign a partner up; prints its key once')
  .addOption(json())
  .action(async (name: string, o: { json?: boolean }) =>
    withDb(async (db) => {
      const added = await addPartner(db, name);
      if (!added.ok) throw new CliError(added.error === 'name_taken' ? `partner "${name}" exists already` : `invalid partner name "${name}"`);
      out(!!o.json, { partner: added.value.partner.name, key: added.value.key }, () =>
        `partner:     ${added.value.partner.name}\npartner_key: ${added.value.key}\n(the key is shown only now; only its hash is stored)`,
      );
    }),
  );
partner
  .command('list')
  .addOption(json())
  .action(async (o: { json?: boolean }) =>
    withDb(async (db) => {
      const partners = await listPartners(db);
      out(!!o.json, partners.map((p) => ({ partner: p.name, enabled: p.enabled, created_at: p.createdAt.toISOString() })), () =>
        table(['PARTNER', 'ENABLED', 'CREATED'], partners.map((p) => [p.name, p.enabled ? 'yes' : 'no', p.createdAt.toISOString()])),
      );
    }),
  );
partner
  .command('show <name>')
  .description('deposit addresses and balances (bytes)')
  .addOption(json())
  .action(async (name: string, o: { json?: boolean }) =>
    withDb(async (db, config) => {
      const p = await findPartner(db, name);
      if (!p) throw new CliError(`no partner "${name}"`);
      const d = await partnerDetails(db, config, p);
      out(!!o.json, d, () =>
        [
          `partner: ${d.partner} (${d.enabled ? 'enabled' : 'disabled'})`,
          table(['NETWORK', 'DEPOSIT ADDRESS', 'DEPOSIT BALANCE (bytes)'], NETWORKS.map((n) => [n, d.networks[n]!.deposit_address, d.networks[n]!.deposit_balance])),
        ].join('\n'),
      );
    }),
  );
for (const [command, enabled] of [
  ['enable', true],
  ['disable', false],
] as const) {
  partner
    .command(`${command} <name>`)
    .addOption(json())
    .action(async (name: string, o: { json?: boolean }) =>
      withDb(async (db) => {
        const r = await setEnabled(db, name, enabled);
        if (!r.ok) throw new CliError(`no partner "${name}"`);
        out(!!o.json, { partner: r.value.name, enabled: r.value.enabled }, () => `${r.value.name}: ${enabled ? 'enabled' : 'disabled'}`);
      }),
    );
}
partner
  .command('rotate-key <name>')
  .description('replace the key (the old one stops working); prints the new key once')
  .addOption(json())
  .action(async (name: string, o: { json?: boolean }) =>
    withDb(async (db) => {
      const r = await rotateKey(db, name);
      if (!r.ok) throw new CliError(`no partner "${name}"`);
      out(!!o.json, { partner: r.value.partner.name, key: r.value.key }, () => `partner:     ${r.value.partner.name}\npartner_key: ${r.value.key}`);
    }),
  );

program
  .command('pool')
  .description('the program pool')
  .command('status')
  .addOption(json())
  .action(async (o: { json?: boolean }) =>
    withDb(async (db, config) => {
      const mnemonic = await storeWallet(db, config);
      const result: Record<string, Record<string, unknown>> = {};
      for (const n of NETWORKS) {
        const b = await balances(db.kysely, n);
        const get = (a: string) => b.get(a) ?? 0n;
        let deposits = 0n;
        for (const [account, value] of b) if (account.startsWith('deposit:')) deposits += value;
        result[n] = {
          pool: get('pool'),
          reserved: get('reserved'),
          textcoins_outstanding: get('textcoins'),
          partner_deposits: deposits,
          paid: get('paid'),
          network_fees: get('fees'),
          hot_address: walletKey(mnemonic, KEY_INDEX.hot).address,
          funding_address: walletKey(mnemonic, KEY_INDEX.funding).address,
        };
      }
      out(!!o.json, result, () =>
        table(
          ['NETWORK', 'POOL', 'RESERVED', 'TEXTCOINS', 'DEPOSITS', 'PAID', 'FEES', 'FUNDING ADDRESS'],
          NETWORKS.map((n) => {
            const r = result[n]!;
            return [n, r.pool, r.reserved, r.textcoins_outstanding, r.partner_deposits, r.paid, r.network_fees, r.funding_address];
          }),
        ),
      );
    }),
  );

program
  .command('purchases')
  .description('purchases, newest first')
  .option('--partner <name>')
  .option('--network <network>', 'main or test', parseNetwork)
  .option('--since <time>', 'ISO date/time', parseTime)
  .option('--until <time>', 'ISO date/time', parseTime)
  .option('--limit <n>', 'at most this many', parseLimit, 100)
  .addOption(json())
  .action(async (o: { partner?: string; network?: NetworkName; since?: number; until?: number; limit: number; json?: boolean }) =>
    withDb(async (db) => {
      let q = db.kysely
        .selectFrom('purchases')
        .innerJoin('partners', 'partners.id', 'purchases.partner_id')
        .select([
          'purchases.id', 'purchases.network', 'partners.name as partner', 'purchases.order_id', 'purchases.customer', 'purchases.currency',
          'purchases.currency_amount', 'purchases.recipient', 'purchases.cashback_amount', 'purchases.status', 'purchases.unit', 'purchases.created_at',
        ])
        .orderBy('purchases.created_at', 'desc')
        .limit(o.limit);
      if (o.partner) {
        const p = await findPartner(db, o.partner);
        if (!p) throw new CliError(`no partner "${o.partner}"`);
        q = q.where('purchases.partner_id', '=', p.id);
      }
      if (o.network) q = q.where('purchases.network', '=', o.network);
      if (o.since !== undefined) q = q.where('purchases.created_at', '>=', BigInt(o.since));
      if (o.until !== undefined) q = q.where('purchases.created_at', '<', BigInt(o.until));
      const rows = (await q.execute()).map((r) => ({ ...r, created_at: new Date(Number(r.created_at)).toISOString() }));
      out(!!o.json, rows, () =>
        table(
          ['TIME', 'NETWORK', 'PARTNER', 'ORDER', 'AMOUNT', 'TO', 'CASHBACK', 'STATUS', 'UNIT'],
          rows.map((r) => [r.created_at, r.network, r.partner, r.order_id, `${r.currency_amount} ${r.currency}`, r.recipient, r.cashback_amount, r.status, r.unit]),
        ),
      );
    }),
  );

program
  .command('rates')
  .description("the hub's exchange rates, per network")
  .option('--network <network>', 'main or test', parseNetwork)
  .addOption(json())
  .action(async (o: { network?: NetworkName; json?: boolean }) => {
    const config = loadConfig();
    const result: Record<string, Record<string, number>> = {};
    for (const n of o.network ? [o.network] : NETWORKS) {
      const hub = new HubClient({ url: config.networks[n].hubUrl, requestTimeoutMs: 5000, reconnectMaxMs: 1000 });
      try {
        await hub.connect();
        result[n] = await hub.getExchangeRates();
      } catch (e) {
        throw new CliError(`${n}: cannot read rates from ${config.networks[n].hubUrl}: ${(e as Error).message}`);
      } finally {
        await hub.close();
      }
    }
    out(!!o.json, result, () =>
      table(['NETWORK', 'PAIR', 'RATE'], Object.entries(result).flatMap(([n, r]) => Object.entries(r).map(([pair, v]) => [n, pair, v]))),
    );
  });

program
  .command('reconcile')
  .description('compare the ledger with the network; exit 0 when clean, 1 on a difference, 2 when it cannot check')
  // parsed in the action, so that a bad value exits 2 (cannot check) rather than 1 (a difference)
  .option('--network <network>', 'main or test')
  .addOption(json())
  .action(async (o: { network?: string; json?: boolean }) => {
    try {
      const outcome = await runReconcile(loadConfig(), o.network !== undefined ? [parseNetwork(o.network)] : NETWORKS);
      out(!!o.json, outcome, () => reconcileText(outcome));
      process.exitCode = outcome.ok ? EXIT.clean : EXIT.difference;
    } catch (e) {
      // Not a difference: the check could not be made (a bad configuration counts too).
      const message = e instanceof Error ? e.message : String(e);
      if (o.json) console.log(JSON.stringify({ ok: false, error: message }));
      console.error(`cashback reconcile: ${message}`);
      process.exitCode = EXIT.operational;
    }
  });

program
  .command('devhub')
  .description('the local devnet hub')
  .command('send <address> <bytes>')
  .description('faucet: pay bytes to an address on the devnet')
  .option('--network <network>', 'main or test', parseNetwork, 'main')
  .addOption(json())
  .action(async (address: string, bytes: string, o: { network: NetworkName; json?: boolean }) => {
    if (!/^[1-9]\d{0,15}$/.test(bytes)) throw new CliError(`BYTES must be a positive whole number, got "${bytes}"`);
    const config = loadConfig();
    const url = config.networks[o.network].hubUrl;
    const hub = new HubClient({ url, requestTimeoutMs: 10_000, reconnectMaxMs: 1000 });
    try {
      await hub.connect();
      const unit = await hub.request<string>('devhub/faucet', { address, amount: Number(bytes) });
      out(!!o.json, { unit }, () => unit);
    } catch (e) {
      throw new CliError(`faucet on ${url}: ${(e as Error).message}`);
    } finally {
      await hub.close();
    }
  });

registerActivity(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  console.error(`cashback: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
