// `cashback rates`: what the server's rate cache last decided, per network and pair: each source's value, its own
// time and age, whether it is in use, and what holds a pair back (a disagreement, a held jump, staleness).
import type { Command } from 'commander';
import type { Db } from '../storage/db.ts';
import type { NetworkName } from '../storage/schema.ts';
import { readRatesStatus } from '../storage/rate-status.ts';
import type { RatesStatus } from '../rates/cache.ts';
import { iso, json, NETWORKS, out, parseNetwork, withDb } from './common.ts';
import { table } from './table.ts';

export interface RatesReport {
  [network: string]: {
    updated_at: string | null;
    pairs: Array<{
      pair: string;
      state: string;
      max_age_ms: number;
      problem: string | null;
      held: { value: string; source: string; time: string | null; since: string | null } | null;
      sources: Array<{ source: string; value: string; time: string | null; age_ms: number; in_use: boolean; ref?: string }>;
    }>;
    failures: Array<{ source: string; at: string | null; error: string }>;
  };
}

/** The stored status of each network, with ages counted from `now`. A network no server has reported on is empty. */
export async function ratesReport(db: Db, networks: readonly NetworkName[], now: number): Promise<RatesReport> {
  const report: RatesReport = {};
  for (const n of networks) {
    const status = (await readRatesStatus(db, n)) as RatesStatus | null;
    report[n] = {
      updated_at: status ? iso(status.updated_at) : null,
      pairs: (status?.pairs ?? []).map((p) => ({
        pair: p.pair,
        state: p.state,
        max_age_ms: p.max_age_ms,
        problem: p.problem,
        held: p.held ? { value: p.held.value, source: p.held.source, time: iso(p.held.at), since: iso(p.held.since) } : null,
        sources: p.sources.map((s) => ({
          source: s.source,
          value: s.value,
          time: iso(s.at),
          age_ms: now - s.at,
          in_use: s.in_use,
          ...(s.ref ? { ref: s.ref } : {}),
        })),
      })),
      failures: (status?.failures ?? []).map((f) => ({ source: f.source, at: iso(f.at), error: f.error })),
    };
  }
  return report;
}

/** 90s, 14m, 3h12m, 3d4h: an age at a glance. */
export function age(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const s = Math.floor(Math.abs(ms) / 1000);
  if (s < 120) return `${sign}${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${sign}${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${sign}${h}h${m % 60}m`;
  return `${sign}${Math.floor(h / 24)}d${h % 24}h`;
}

export function ratesText(report: RatesReport): string {
  const rows: unknown[][] = [];
  const notes: string[] = [];
  for (const [n, r] of Object.entries(report)) {
    if (r.updated_at === null) notes.push(`${n}: no rates reported yet (is the server running?)`);
    for (const p of r.pairs) {
      for (const s of p.sources) rows.push([n, p.pair, p.state, s.source, s.value, s.time, age(s.age_ms), s.in_use ? 'yes' : 'no']);
      if (p.problem) notes.push(`${n} ${p.pair}: ${p.problem}`);
      if (p.held) notes.push(`${n} ${p.pair}: ${p.held.value} from ${p.held.source} held since ${p.held.since}, awaiting a second fetch`);
      if (p.state === 'stale') notes.push(`${n} ${p.pair}: no value within ${age(p.max_age_ms)}`);
    }
    for (const f of r.failures) notes.push(`${n} ${f.source} failed at ${f.at}: ${f.error}`);
  }
  const head = table(['NETWORK', 'PAIR', 'STATE', 'SOURCE', 'VALUE', 'TIME', 'AGE', 'IN USE'], rows);
  return notes.length > 0 ? `${head}\n\n${notes.join('\n')}` : head;
}

export function registerRates(program: Command): void {
  program
    .command('rates')
    .description("the server's rates per network and pair: each source's value, its own time and age, whether it is in use")
    .option('--network <network>', 'main or test', parseNetwork)
    .addOption(json())
    .action(async (o: { network?: NetworkName; json?: boolean }) =>
      withDb(async (db) => {
        const report = await ratesReport(db, o.network ? [o.network] : NETWORKS, Date.now());
        out(!!o.json, report, () => ratesText(report));
      }),
    );
}
