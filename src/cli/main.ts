// `cashback`: the operator's command line. It works on the same store as the server (DATA_DIR / DATABASE_URL).
import { Command } from 'commander';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import type { Db } from '../storage/db.ts';
import type { NetworkName } from '../storage/schema.ts';
import { balance, balances, depositAccount } from '../storage/ledger.ts';
import { walletKey } from '../obyte/keys.ts';
import { HubClient } from '../obyte/hub-client.ts';
import { addPartner, findPartner, listPartners, rotateKey, setEnabled, type Partner } from '../services/partners.ts';
import { assertWalletFitsStore, KEY_INDEX, walletMnemonic } from '../wallet.ts';
import { addReceivingAddress, partnerMoneySettings, removeReceivingAddress, setDailyBudget } from '../services/partner-settings.ts';
import { table } from './table.ts';
import { CliError, SetupError, json, NETWORKS, out, parseLimit, parseNetwork, parseTime, withDb } from './common.ts';
import { registerActivity } from './activity.ts';
import { registerInit } from './init.ts';
import { registerRates } from './rates.ts';
import { EXIT, reconcileText, runReconcile } from './reconcile.ts';

/** A source name or a unit hash: nothing LIKE would read as a wildcard, nor a quote. */
function parsePricedBy(value: string): string {
  if (!/^[A-Za-z0-9+/=-]{1,64}$/.test(value)) throw new CliError(`--priced-by takes a rate source name or a unit hash, got "${value}"`);
  return value;
}

/** The wallet seed, once the store is known to fit its keys (a store of BIP32-derived addresses may not). */
async function storeWallet(db: Db, config: Config): Promise<string> {
  const mnemonic = walletMnemonic(config, false);
  await assertWalletFitsStore(db, mnemonic);
  return mnemonic;
}

function depositAddress(mnemonic: string, partner: Partner): string {
  return walletKey(mnemonic, KEY_INDEX.depositBase + partner.depositIndex).address;
}

async function partnerDetails(db: Db, config: Config, partner: Partner) {
  const mnemonic = await storeWallet(db, config);
  const address = depositAddress(mnemonic, partner);
  const money = await partnerMoneySettings(db, partner, config.policy.partnerDailyBudgetUsd, NETWORKS);
  const networks: Record<string, { deposit_address: string; deposit_balance: bigint; receiving_addresses: string[]; budget_used_usd: string }> = {};
  for (const n of NETWORKS) {
    networks[n] = { deposit_address: address, deposit_balance: await balance(db.kysely, n, depositAccount(partner.id)), ...money.networks[n] };
  }
  return {
    partner: partner.name,
    enabled: partner.enabled,
    created_at: partner.createdAt.toISOString(),
    daily_budget_usd: money.daily_budget_usd,
    budget_is_default: money.budget_is_default,
    networks,
  };
}

/** The program's own addresses (the same on both networks): never a partner's receiving address. */
async function programAddresses(db: Db, config: Config): Promise<Set<string>> {
  const mnemonic = await storeWallet(db, config);
  const own = new Set([walletKey(mnemonic, KEY_INDEX.hot).address, walletKey(mnemonic, KEY_INDEX.funding).address]);
  for (const p of await listPartners(db)) own.add(depositAddress(mnemonic, p));
  return own;
}

async function partnerNamed(db: Db, name: string): Promise<Partner> {
  const p = await findPartner(db, name);
  if (!p) throw new CliError(`no partner "${name}"`);
  return p;
}

const program = new Command('cashback').description('Operate the Obyte cashback server').showHelpAfterError();
registerInit(program);

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
          `daily budget: ${d.daily_budget_usd} USD per network${d.budget_is_default ? ' (the default, PARTNER_DAILY_BUDGET_USD)' : ''}`,
          table(
            ['NETWORK', 'DEPOSIT ADDRESS', 'DEPOSIT BALANCE (bytes)', 'BUDGET USED 24H (USD)', 'RECEIVING ADDRESSES'],
            NETWORKS.map((n) => {
              const x = d.networks[n]!;
              return [n, x.deposit_address, x.deposit_balance, x.budget_used_usd, x.receiving_addresses.join(' ') || '(none)'];
            }),
          ),
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

const address = partner.command('address').description("the addresses a partner is paid at: a GBYTE purchase_unit must pay there");
address
  .command('add <name> <address>')
  .option('--network <network>', 'main or test', parseNetwork, 'main')
  .addOption(json())
  .action(async (name: string, addr: string, o: { network: NetworkName; json?: boolean }) =>
    withDb(async (db, config) => {
      const p = await partnerNamed(db, name);
      const own = await programAddresses(db, config);
      const r = await addReceivingAddress(db, p, o.network, addr.trim(), (a) => own.has(a));
      if (!r.ok) throw new CliError(r.error);
      out(!!o.json, { partner: p.name, network: o.network, address: addr.trim(), added: r.value.added }, () =>
        `${p.name}: ${addr.trim()} ${r.value.added ? 'added' : 'was already'} a receiving address on ${o.network}`,
      );
    }),
  );
address
  .command('remove <name> <address>')
  .option('--network <network>', 'main or test', parseNetwork, 'main')
  .addOption(json())
  .action(async (name: string, addr: string, o: { network: NetworkName; json?: boolean }) =>
    withDb(async (db) => {
      const p = await partnerNamed(db, name);
      const r = await removeReceivingAddress(db, p, o.network, addr.trim());
      if (!r.ok) throw new CliError(r.error);
      out(!!o.json, { partner: p.name, network: o.network, address: addr.trim(), removed: true }, () =>
        `${p.name}: ${addr.trim()} removed from the receiving addresses on ${o.network}`,
      );
    }),
  );
partner
  .command('budget <name> <usd>')
  .description('the most program-funded cashback per rolling 24 h on each network, in USD; "default" follows PARTNER_DAILY_BUDGET_USD')
  .addOption(json())
  .action(async (name: string, usd: string, o: { json?: boolean }) =>
    withDb(async (db, config) => {
      const p = await partnerNamed(db, name);
      const r = await setDailyBudget(db, p, usd);
      if (!r.ok) throw new CliError(r.error);
      const budget = r.value.budgetUsd ?? config.policy.partnerDailyBudgetUsd.toFixed();
      out(!!o.json, { partner: p.name, daily_budget_usd: budget, budget_is_default: r.value.budgetUsd === null }, () =>
        `${p.name}: daily budget ${budget} USD per network${r.value.budgetUsd === null ? ' (the default)' : ''}`,
      );
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
  .option('--priced-by <source-or-unit>', 'only purchases whose recorded pricing names this rate source or oracle unit (used or checked against)', parsePricedBy)
  .addOption(json())
  .action(async (o: { partner?: string; network?: NetworkName; since?: number; until?: number; limit: number; pricedBy?: string; json?: boolean }) =>
    withDb(async (db) => {
      let q = db.kysely
        .selectFrom('purchases')
        .innerJoin('partners', 'partners.id', 'purchases.partner_id')
        .select([
          'purchases.id', 'purchases.network', 'partners.name as partner', 'purchases.order_id', 'purchases.customer', 'purchases.currency',
          'purchases.currency_amount', 'purchases.recipient', 'purchases.cashback_amount', 'purchases.status', 'purchases.unit', 'purchases.created_at',
          'purchases.rate_sources',
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
      // names and units are JSON strings in the record: quoted, so that "hub" does not match "hub2"
      if (o.pricedBy !== undefined) q = q.where('purchases.rate_sources', 'like', `%"${o.pricedBy}"%`);
      const rows = (await q.execute()).map((r) => ({
        ...r,
        created_at: new Date(Number(r.created_at)).toISOString(),
        rate_sources: r.rate_sources === null ? null : (JSON.parse(r.rate_sources) as unknown),
      }));
      out(!!o.json, rows, () =>
        table(
          ['TIME', 'NETWORK', 'PARTNER', 'ORDER', 'AMOUNT', 'TO', 'CASHBACK', 'STATUS', 'UNIT'],
          rows.map((r) => [r.created_at, r.network, r.partner, r.order_id, `${r.currency_amount} ${r.currency}`, r.recipient, r.cashback_amount, r.status, r.unit]),
        ),
      );
    }),
  );

registerRates(program);

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
  // A setting or the deployment itself is wrong (no store, no wallet, a bad value): 2, as the server exits.
  process.exitCode = e instanceof ConfigError || e instanceof SetupError ? 2 : 1;
});
