// The whole server under load: paid purchases per second on the embedded default (SQLite + devhubs in worker threads,
// as `npm start` runs it), against a bare Fastify route under the same autocannon settings.
//   npx tsx bench/server.ts            (the last line is JSON)
// Options (environment): BENCH_DURATION_S=10, BENCH_CONNECTIONS=400 (enough for full 127-payout units), BENCH_RATE=1000 (the fixed-rate run),
// BENCH_EMAIL_PCT=0 (share of purchases paid to an e-mail, as a textcoin), BENCH_UNIT_INTERVAL_MS (the server's
// PAYOUT_UNIT_INTERVAL_MS; default: the server's default), BENCH_TPS_FEE (devhub tps fee
// variables, default "tps_interval=20"; "ocore" keeps ocore's initial votes), BENCH_CPU_PROF=DIR (profile the
// server process into DIR).
//
// The server runs in a child process (so its RSS and CPU are its own), started through startRuntime exactly as
// src/main.ts starts it, in a temporary DATA_DIR, on free ports. The baseline, a bare Fastify route returning a
// small JSON, runs in a child process of its own. autocannon runs here.
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const role = process.argv[2];

interface Ready {
  type: 'ready';
  port: number;
  partner: string;
  key: string;
  tpsFee: Record<string, number>;
}

interface Stats {
  type: 'stats';
  payoutUnits: number;
  payoutsPaid: number;
  payoutsQueued: number;
  payoutsFailed: number;
  feeBytes: number;
  tpsFeeBytes: number;
  maxTpsFee: number;
  warnings: Record<string, number>;
  /** Payout units so far, by when each was stored signed and when the hub accepted it (ms). */
  unitTimes: Array<[number, number | null]>;
}

// ---------------------------------------------------------------------------------------------------------------
// Child: the cashback server.
async function serve(): Promise<void> {
  const { loadConfig } = await import('../src/config.ts');
  const { startRuntime } = await import('../src/runtime.ts');
  const { addPartner } = await import('../src/services/partners.ts');
  const dataDir = process.env.BENCH_DATA_DIR!;
  // "ocore" keeps the devhub's defaults (ocore's initial votes); the config parses and checks the rest.
  const tpsSpec = process.env.BENCH_TPS_FEE ?? 'tps_interval=20';
  const config = loadConfig({
    DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: '0',
    MAIN_DEVHUB_PORT: '0',
    TEST_DEVHUB_PORT: '0',
    LOG_LEVEL: 'silent',
    ...(process.env.BENCH_UNIT_INTERVAL_MS ? { PAYOUT_UNIT_INTERVAL_MS: process.env.BENCH_UNIT_INTERVAL_MS } : {}),
    DEVHUB_TPS_FEE: tpsSpec === 'ocore' ? '' : tpsSpec,
  });
  const tpsFee = config.networks.main.devhubTpsFee;
  // The server's own warnings (sender retries, hub errors), counted by message.
  const warnings = new Map<string, number>();
  const runtime = await startRuntime(config, {
    log: (level, message, extra) => {
      if (level === 'info') return;
      const key = `${level}: ${message}${extra?.error ? ` (${String(extra.error).split('\n')[0]!.slice(0, 100)})` : ''}`;
      warnings.set(key, (warnings.get(key) ?? 0) + 1);
    },
  });
  const added = await addPartner(runtime.db, 'bench-shop');
  if (!added.ok) throw new Error(added.error);
  const main = runtime.networks.main;
  await main.devhub!.faucet(runtime.depositKey(added.value.partner.depositIndex).address, 200_000e9);
  // Credit the pool (genesis) and the deposit, then let the sweeps' units (which reveal definitions) become stable.
  for (let i = 0; i < 2; i++) {
    await main.devhub!.stabilize();
    await runtime.scanDeposits('main');
  }
  await main.devhub!.stabilize();

  const stats = async (): Promise<Stats> => {
    const units = await runtime.db.kysely
      .selectFrom('units')
      .select(['joint', 'fee', 'created_at', 'sent_at'])
      .where('network', '=', 'main')
      .where('kind', '=', 'payout')
      .where('status', 'in', ['sent', 'stable'])
      .orderBy('created_at')
      .execute();
    let feeBytes = 0;
    let tpsFeeBytes = 0;
    let maxTpsFee = 0;
    for (const u of units) {
      feeBytes += Number(u.fee);
      const tps = (JSON.parse(u.joint) as { unit: { tps_fee?: number } }).unit.tps_fee ?? 0;
      tpsFeeBytes += tps;
      maxTpsFee = Math.max(maxTpsFee, tps);
    }
    const counts = await runtime.db.kysely
      .selectFrom('payouts')
      .select(['status', (eb) => eb.fn.countAll<bigint>().as('n')])
      .where('network', '=', 'main')
      .groupBy('status')
      .execute();
    const count = (...s: string[]) => counts.filter((c) => s.includes(c.status)).reduce((a, c) => a + Number(c.n), 0);
    return {
      type: 'stats',
      payoutUnits: units.length,
      payoutsPaid: count('sent', 'stable'),
      payoutsQueued: count('queued', 'signed'),
      payoutsFailed: count('failed'),
      feeBytes,
      tpsFeeBytes,
      maxTpsFee,
      warnings: Object.fromEntries(warnings),
      unitTimes: units.map((u) => [Number(u.created_at), u.sent_at === null ? null : Number(u.sent_at)]),
    };
  };

  if (process.env.BENCH_TRACE) {
    // One line a second: the main thread's longest event-loop stall and its GC.
    const { monitorEventLoopDelay, PerformanceObserver } = await import('node:perf_hooks');
    const h = monitorEventLoopDelay({ resolution: 5 });
    h.enable();
    let gcMs = 0;
    let gcMax = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        gcMs += e.duration;
        gcMax = Math.max(gcMax, e.duration);
      }
    }).observe({ entryTypes: ['gc'] });
    setInterval(() => {
      console.error(`trace: loop max ${(h.max / 1e6).toFixed(0)} ms p99 ${(h.percentile(99) / 1e6).toFixed(0)} ms; gc ${gcMs.toFixed(0)} ms (max ${gcMax.toFixed(0)})`);
      gcMs = 0;
      gcMax = 0;
      h.reset();
    }, 1000).unref();
  }

  process.on('message', (m: { type: string }) => {
    if (m.type === 'stats') void stats().then((s) => process.send!(s));
    if (m.type === 'stop') void runtime.close().then(() => process.exit(0));
  });
  const address = runtime.http!.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.send!({ type: 'ready', port, partner: 'bench-shop', key: added.value.key, tpsFee } satisfies Ready);
}

// Child: the baseline, a bare Fastify route.
async function serveBaseline(): Promise<void> {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  app.post('/new_purchase', async () => ({ result: 'ok', cashback_amount: 235294117, unit: 'IBElUTwy7BB1clADhIUICbApYxlkLZzFOUajrO6k1d0=' }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  process.send!({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0, partner: '', key: '', tpsFee: {} } satisfies Ready);
  process.on('message', (m: { type: string }) => {
    if (m.type === 'stop') void app.close().then(() => process.exit(0));
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Parent: the load.
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 400);
const FIXED_RATE = Number(process.env.BENCH_RATE ?? 1000);
const EMAIL_PCT = Number(process.env.BENCH_EMAIL_PCT ?? 0);

function start(mode: '--serve' | '--baseline', env: Record<string, string> = {}): Promise<{ child: ChildProcess; ready: Ready }> {
  const prof = process.env.BENCH_CPU_PROF;
  const execArgv = ['--import', 'tsx', ...(prof && mode === '--serve' ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [])];
  const child = fork(SELF, [mode], { execArgv, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${mode} child exited with ${code}`)));
    child.once('message', (m: Ready) => resolve({ child, ready: m }));
  });
}

function ask(child: ChildProcess): Promise<Stats> {
  return new Promise((resolve) => {
    child.once('message', (m: Stats) => resolve(m));
    child.send({ type: 'stats' });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.removeAllListeners('exit');
  child.once('exit', () => undefined);
  child.send({ type: 'stop' });
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

/** CPU time a process (or, with `tid`, one of its threads: the main thread's tid is the pid) has used so far, ms (Linux). */
function cpuMs(pid: number, tid?: number): number {
  const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in clock ticks.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** Peak resident set of a process so far, in MB (Linux). */
function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

/** Real-looking purchases: each its own order, customers and addresses drawn from pools, USD and EUR, form and JSON. */
async function purchaseMaker(partner: string, key: string) {
  const { addressOfDefinition } = await import('../src/obyte/address.ts');
  const addresses = Array.from({ length: 3000 }, () => addressOfDefinition(['sig', { pubkey: Buffer.concat([Buffer.of(2), randomBytes(32)]).toString('base64') }]));
  const run = randomBytes(3).toString('hex');
  let n = 0;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
  return (): { body: string; type: string } => {
    n++;
    const fields: Record<string, string> = {
      partner,
      partner_key: key,
      customer: `cust-${Math.floor(Math.random() * 5000)}`,
      order_id: `${run}-${n}`,
      description: pick(['shop', 'restaurant', 'Order #' + n, 'coffee & cake']),
      address: Math.random() * 100 < EMAIL_PCT ? `buyer${Math.floor(Math.random() * 5000)}@example.com` : pick(addresses),
      currency: Math.random() < 0.6 ? 'USD' : 'EUR',
      currency_amount: (1 + Math.random() * 59).toFixed(2),
    };
    if (Math.random() < 0.3) fields.merchant = `merchant-${Math.floor(Math.random() * 50)}`;
    if (Math.random() < 0.3) fields.partner_cashback_percentage = String(1 + Math.floor(Math.random() * 5));
    if (Math.random() < 0.3) return { body: JSON.stringify(fields), type: 'application/json' };
    return { body: new URLSearchParams(fields).toString(), type: 'application/x-www-form-urlencoded' };
  };
}

interface Tally {
  paid: number;
  errors: Map<string, number>;
}

async function load(
  url: string,
  make: () => { body: string; type: string },
  opts: { overallRate?: number; duration?: number; connections?: number; slices?: number },
) {
  const { default: autocannon } = await import('autocannon');
  const tally: Tally = { paid: 0, errors: new Map() };
  const request = {
    method: 'POST',
    setupRequest: (req: { headers?: Record<string, string> }) => {
      const { body, type } = make();
      return { ...req, method: 'POST', path: '/new_purchase', body, headers: { 'content-type': type } };
    },
    onResponse: (status: number, body: string) => {
      let answer: { result?: string; unit?: string; error?: string } = {};
      try {
        answer = JSON.parse(body) as typeof answer;
      } catch {
        answer = { error: `HTTP ${status}, not JSON` };
      }
      if (answer.result === 'ok' && typeof answer.unit === 'string') tally.paid++;
      else tally.errors.set(answer.error ?? `HTTP ${status}`, (tally.errors.get(answer.error ?? `HTTP ${status}`) ?? 0) + 1);
    },
  };
  const connections = opts.connections ?? CONNECTIONS;
  const duration = opts.duration ?? DURATION_S;
  const slices = opts.slices ?? 1;
  if (slices === 1) {
    const result = await autocannon({ url, connections, duration, timeout: 30, ...(opts.overallRate ? { overallRate: opts.overallRate } : {}), requests: [request] });
    return { result, tally };
  }
  // autocannon's overallRate lets each connection send its share of a second as fast as it is answered, then
  // waits for the next second: a burst at the start of every second. Several instances, each with its slice of
  // the rate and started 1/slices of a second apart, spread the same load evenly; their histograms are merged.
  const runs = Array.from({ length: slices }, async (_, i) => {
    await new Promise((r) => setTimeout(r, (i * 1000) / slices));
    return autocannon({
      url,
      connections: Math.max(1, Math.round(connections / slices)),
      duration,
      timeout: 30,
      overallRate: Math.round((opts.overallRate ?? 0) / slices),
      requests: [request],
      skipAggregateResult: true,
    });
  });
  const result = autocannon.aggregateResult(await Promise.all(runs), { url, connections });
  return { result, tally };
}

async function warmUp(url: string, make: () => { body: string; type: string }): Promise<void> {
  // The hot wallet's first unit reveals its definition; the next can go out once that unit is stable.
  for (let i = 0; i < 20; i++) {
    const { body, type } = make();
    const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': type } });
    const answer = (await res.json()) as { result: string; error?: string };
    if (answer.result === 'ok' && i >= 2) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  await load(url, make, { duration: 3, connections: 50 });
}

const r1 = (x: number) => Math.round(x * 10) / 10;

function describe(label: string, result: Awaited<ReturnType<typeof load>>['result'], tally: Tally): void {
  const errors = [...tally.errors].map(([e, n]) => `${e}: ${n}`).join(', ') || 'none';
  console.log(
    `${label}: ${result.requests.total} responses in ${r1(result.duration)} s, paid ${tally.paid} (${Math.round(tally.paid / result.duration)}/s); ` +
      `latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms; errors: ${errors}`,
  );
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cashback-bench-'));
  let server: ChildProcess | null = null;
  try {
    console.log(`server bench: ${CONNECTIONS} connections, ${DURATION_S} s per run, fixed-rate run at ${FIXED_RATE}/s, ${EMAIL_PCT}% e-mail recipients`);

    const base = await start('--baseline');
    const baseUrl = `http://127.0.0.1:${base.ready.port}/new_purchase`;
    const make0 = await purchaseMaker('x', 'y');
    await load(baseUrl, make0, { duration: 2 });
    const baseline = await load(baseUrl, make0, {});
    await stop(base.child);
    const baselinePerS = Math.round(baseline.result.requests.total / baseline.result.duration);
    console.log(
      `baseline (bare Fastify route, same bodies): ${baselinePerS} req/s, p50 ${baseline.result.latency.p50} ms, p99 ${baseline.result.latency.p99} ms`,
    );

    const started = await start('--serve', { BENCH_DATA_DIR: dataDir });
    server = started.child;
    const { port, partner, key, tpsFee } = started.ready;
    const tpsText = Object.keys(tpsFee).length ? Object.entries(tpsFee).map(([k, v]) => `${k}=${v}`).join(', ') : "ocore's initial votes";
    console.log(
      `server: embedded default (SQLite WAL; devhubs and payout senders in worker threads), pid ${server.pid}; devhub tps fee: ${tpsText} ` +
        `(fee = base_tps_fee × (e^(tps/tps_interval) − 1) × tps_fee_multiplier; defaults 10 / 1 / 10, window 10 s)`,
    );
    const url = `http://127.0.0.1:${port}/new_purchase`;
    const make = await purchaseMaker(partner, key);
    await warmUp(url, make);

    const before = await ask(server);
    const cpuBefore = { all: cpuMs(server.pid!), main: cpuMs(server.pid!, server.pid!) };
    const sat = await load(url, make, {});
    describe('saturation', sat.result, sat.tally);
    const cpuAll = cpuMs(server.pid!) - cpuBefore.all;
    const cpuMain = cpuMs(server.pid!, server.pid!) - cpuBefore.main;
    console.log(
      `server CPU at saturation: ${r1(cpuAll / sat.result.duration / 10)}% of a core in all, main thread ${r1(cpuMain / sat.result.duration / 10)}%; ` +
        `per paid purchase ${(cpuAll / Math.max(1, sat.tally.paid)).toFixed(3)} ms in all, ${(cpuMain / Math.max(1, sat.tally.paid)).toFixed(3)} ms on the main thread`,
    );
    const afterSat = await ask(server);
    const paidPerS = Math.round(sat.tally.paid / sat.result.duration);

    // Let the queue drain before the fixed-rate run.
    await new Promise((r) => setTimeout(r, 2000));
    const bursty = await load(url, make, { overallRate: FIXED_RATE, connections: 100 });
    describe(`fixed rate ${FIXED_RATE}/s, one autocannon instance (its overallRate sends each second's share in a burst at the start of the second)`, bursty.result, bursty.tally);
    await new Promise((r) => setTimeout(r, 2000));
    const beforeFixed = await ask(server);
    const fixed = await load(url, make, { overallRate: FIXED_RATE, connections: 100, slices: 10 });
    describe(`fixed rate ${FIXED_RATE}/s, steady (10 autocannon instances of ${FIXED_RATE / 10}/s started 100 ms apart)`, fixed.result, fixed.tally);
    const afterFixed = await ask(server);
    await new Promise((r) => setTimeout(r, 1000));
    const peak = peakRssMb(server.pid!);

    const delta = (a: Stats, b: Stats) => ({
      units: b.payoutUnits - a.payoutUnits,
      paid: b.payoutsPaid - a.payoutsPaid,
      fee: b.feeBytes - a.feeBytes,
      tps: b.tpsFeeBytes - a.tpsFeeBytes,
      unitTimes: b.unitTimes.slice(a.unitTimes.length),
    });
    const d = delta(before, afterSat);
    const feePerCashback = d.paid > 0 ? r1(d.fee / d.paid) : NaN;
    console.log(
      `saturation payouts: ${d.paid} paid in ${d.units} units (${r1(d.paid / Math.max(1, d.units))} per unit); ` +
        `network fee ${d.fee} bytes = ${feePerCashback} bytes per cashback (tps fee ${r1(d.tps / Math.max(1, d.paid))} of it; ` +
        `max tps fee of one unit so far ${afterSat.maxTpsFee})`,
    );
    // From the store: a unit is stored signed, broadcast, and marked sent when the hub accepts it.
    const senderLine = (label: string, times: Stats['unitTimes']) => {
      if (times.length < 2) return;
      const accepted = times.filter((t): t is [number, number] => t[1] !== null);
      const between = (times.at(-1)![0] - times[0]![0]) / (times.length - 1);
      const broadcast = accepted.reduce((sum, [c, s]) => sum + (s - c), 0) / Math.max(1, accepted.length);
      console.log(
        `sender ${label}: a unit every ${r1(between)} ms; from stored signed to accepted by the hub ${r1(broadcast)} ms ` +
          `(the rest of the cycle: take the batch, parents from the hub, compose and sign, and the pacing wait)`,
      );
    };
    senderLine('at saturation', d.unitTimes);
    const f = delta(beforeFixed, afterFixed);
    senderLine(`at ${FIXED_RATE}/s`, f.unitTimes);
    console.log(`fixed-rate payouts: ${f.paid} paid in ${f.units} units (${r1(f.paid / Math.max(1, f.units))} per unit), ${f.paid > 0 ? r1(f.fee / f.paid) : NaN} fee bytes per cashback`);
    console.log(`left unpaid after the runs: ${afterFixed.payoutsQueued} queued/signed, ${afterFixed.payoutsFailed} failed (withdrawn)`);
    const warned = Object.entries(afterFixed.warnings).map(([k, n]) => `${k} ×${n}`);
    console.log(`server warnings during the bench: ${warned.length ? warned.join('; ') : 'none'}`);
    console.log(`server peak RSS (VmHWM): ${peak} MB`);
    const ratio = Math.round((paidPerS / baselinePerS) * 1000) / 1000;
    console.log(
      `paid purchases/s at saturation ${paidPerS} vs bare Fastify ${baselinePerS} req/s: ratio ${ratio}; ` +
        `p50_ms is the saturation run's, p99_ms the steady ${FIXED_RATE}/s run's p99`,
    );
    await stop(server);
    server = null;
    console.log(
      JSON.stringify({
        paid_per_s: paidPerS,
        baseline_per_s: baselinePerS,
        ratio,
        p50_ms: sat.result.latency.p50,
        p99_ms: fixed.result.latency.p99,
        fee_bytes_per_cashback: feePerCashback,
        peak_rss_mb: peak,
      }),
    );
  } finally {
    if (server && server.exitCode === null) server.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (role === '--serve') await serve();
else if (role === '--baseline') await serveBaseline();
else await main();
