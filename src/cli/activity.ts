// What the operator watches: the payout queue and its units, textcoins, credited deposits.
import type { Command } from 'commander';
import { sql } from 'kysely';
import type { NetworkName } from '../storage/schema.ts';
import { CliError, iso, json, NETWORKS, out, parseLimit, parseNetwork, withDb } from './common.ts';
import { table } from './table.ts';

const PAYOUT_STATUSES = ['queued', 'signed', 'sent', 'stable', 'failed'] as const;
const UNIT_STATUSES: readonly string[] = ['signed', 'sent', 'stable', 'failed'];

interface QueueSummary {
  payouts: Record<string, { count: bigint; bytes: bigint }>;
  oldest_waiting_s: number | null;
  units: Array<{ kind: string; status: string; count: bigint; fees: bigint }>;
  last_payout_unit: { unit: string; sent_at: string | null } | null;
}

export function registerActivity(program: Command): void {
  program
    .command('payouts')
    .description('the payout queue per network: payouts and units by status, the oldest waiting, the last unit sent')
    .option('--network <network>', 'main or test', parseNetwork)
    .addOption(json())
    .action(async (o: { network?: NetworkName; json?: boolean }) =>
      withDb(async (db) => {
        const now = Date.now();
        const result: Record<string, QueueSummary> = {};
        for (const n of o.network ? [o.network] : NETWORKS) {
          const payouts = await db.kysely
            .selectFrom('payouts')
            .select((eb) => ['status', eb.fn.countAll<bigint>().as('count'), eb.fn.sum<bigint>('amount').as('bytes'), eb.fn.min<bigint>('created_at').as('oldest')])
            .where('network', '=', n)
            .groupBy('status')
            .execute();
          const units = await db.kysely
            .selectFrom('units')
            .select((eb) => ['kind', 'status', eb.fn.countAll<bigint>().as('count'), eb.fn.sum<bigint>('fee').as('fees')])
            .where('network', '=', n)
            .groupBy(['kind', 'status'])
            .execute();
          const last = await db.kysely
            .selectFrom('units')
            .select(['unit', 'sent_at'])
            .where('network', '=', n)
            .where('kind', '=', 'payout')
            .where('sent_at', 'is not', null)
            .orderBy('sent_at', 'desc')
            .limit(1)
            .executeTakeFirst();
          const byStatus = Object.fromEntries(
            PAYOUT_STATUSES.map((s) => {
              const row = payouts.find((p) => p.status === s);
              return [s, { count: BigInt(row?.count ?? 0), bytes: BigInt(row?.bytes ?? 0) }];
            }),
          );
          const waiting = payouts.filter((p) => p.status === 'queued' || p.status === 'signed').map((p) => Number(p.oldest));
          result[n] = {
            payouts: byStatus,
            oldest_waiting_s: waiting.length > 0 ? Math.round((now - Math.min(...waiting)) / 1000) : null,
            units: units.map((u) => ({ kind: u.kind, status: u.status, count: BigInt(u.count), fees: BigInt(u.fees ?? 0) })),
            last_payout_unit: last ? { unit: last.unit, sent_at: iso(last.sent_at) } : null,
          };
        }
        out(!!o.json, result, () =>
          Object.entries(result)
            .map(([n, v]) => {
              const head = `${n}: ${PAYOUT_STATUSES.map((s) => `${v.payouts[s]!.count} ${s}`).join(', ')}` +
                (v.oldest_waiting_s !== null ? `; the oldest waiting for ${v.oldest_waiting_s} s` : '') +
                (v.last_payout_unit ? `; last unit ${v.last_payout_unit.unit} at ${v.last_payout_unit.sent_at}` : '');
              const rows = v.units
                .sort((a, b) => a.kind.localeCompare(b.kind) || UNIT_STATUSES.indexOf(a.status) - UNIT_STATUSES.indexOf(b.status))
                .map((u) => [u.kind, u.status, u.count, u.fees]);
              return rows.length > 0 ? `${head}\n${table(['UNITS', 'STATUS', 'COUNT', 'FEES'], rows)}` : head;
            })
            .join('\n\n'),
        );
      }),
    );

  program
    .command('textcoins')
    .description('textcoins, newest first')
    .option('--network <network>', 'main or test', parseNetwork)
    .option('--status <status>', 'pending, funded, claimed or taken_back', (v) => {
      if (!['pending', 'funded', 'claimed', 'taken_back'].includes(v)) throw new CliError('--status: one of pending, funded, claimed, taken_back');
      return v as 'pending' | 'funded' | 'claimed' | 'taken_back';
    })
    .option('--limit <n>', 'at most this many', parseLimit, 100)
    .addOption(json())
    .action(async (o: { network?: NetworkName; status?: 'pending' | 'funded' | 'claimed' | 'taken_back'; limit: number; json?: boolean }) =>
      withDb(async (db) => {
        let q = db.kysely
          .selectFrom('textcoins')
          .innerJoin('payouts', 'payouts.id', 'textcoins.payout_id')
          .select([
            'textcoins.created_at', 'textcoins.network', 'textcoins.email', 'textcoins.address', 'payouts.amount', 'textcoins.status',
            'textcoins.emailed_at', 'textcoins.closed_at', 'textcoins.closing_unit', 'payouts.unit',
          ])
          .orderBy('textcoins.created_at', 'desc')
          .limit(o.limit);
        if (o.network) q = q.where('textcoins.network', '=', o.network);
        if (o.status) q = q.where('textcoins.status', '=', o.status);
        const rows = (await q.execute()).map((r) => ({
          ...r,
          created_at: iso(r.created_at),
          emailed_at: iso(r.emailed_at),
          closed_at: iso(r.closed_at),
        }));
        out(!!o.json, rows, () =>
          table(
            ['TIME', 'NETWORK', 'EMAIL', 'ADDRESS', 'BYTES', 'STATUS', 'E-MAILED', 'CLOSED'],
            rows.map((r) => [r.created_at, r.network, r.email, r.address, r.amount, r.status, r.emailed_at ?? '-', r.closed_at ?? '-']),
          ),
        );
      }),
    );

  program
    .command('deposits')
    .description('credited payments to the funding and deposit addresses, newest first')
    .option('--network <network>', 'main or test', parseNetwork)
    .option('--limit <n>', 'at most this many', parseLimit, 100)
    .addOption(json())
    .action(async (o: { network?: NetworkName; limit: number; json?: boolean }) =>
      withDb(async (db) => {
        let q = db.kysely
          .selectFrom('chain_credits')
          .leftJoin('partners', (j) => j.on(sql<boolean>`chain_credits.account = 'deposit:' || partners.id`))
          .select(['chain_credits.credited_at', 'chain_credits.network', 'chain_credits.account', 'partners.name as partner', 'chain_credits.address', 'chain_credits.amount', 'chain_credits.unit'])
          .orderBy('chain_credits.credited_at', 'desc')
          .limit(o.limit);
        if (o.network) q = q.where('chain_credits.network', '=', o.network);
        const rows = (await q.execute()).map((r) => ({ ...r, credited_at: iso(r.credited_at), to: r.account === 'pool' ? 'pool' : (r.partner ?? r.account) }));
        out(!!o.json, rows, () =>
          table(
            ['TIME', 'NETWORK', 'TO', 'ADDRESS', 'BYTES', 'UNIT'],
            rows.map((r) => [r.credited_at, r.network, r.to, r.address, r.amount, r.unit]),
          ),
        );
      }),
    );
}
