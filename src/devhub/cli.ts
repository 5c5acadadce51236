// npm run devhub -- serve [--port 6611] [--db FILE] [--fund ADDRESS:BYTES ...] [--stability-ms N]
//                        [--network devnet|testnet|livenet] [--feed NAME=VALUE ...] [--rate NAME=NUMBER ...]
// npm run devhub -- send ADDRESS BYTES [--url ws://127.0.0.1:6611]
import { parseArgs } from 'node:util';
import { isValidAddress } from '../obyte/address.ts';
import { MAX_CAP, NETWORK_PARAMS, type Network } from '../obyte/constants.ts';
import { HubClient } from '../obyte/hub-client.ts';
import { startDevHub } from './index.ts';

const USAGE = `usage:
  devhub serve [--port 6611] [--db FILE] [--fund ADDRESS:BYTES ...] [--stability-ms N]
               [--network devnet|testnet|livenet] [--feed NAME=VALUE ...] [--rate NAME=NUMBER ...]
  devhub send ADDRESS BYTES [--url ws://127.0.0.1:6611]`;

class UsageError extends Error {}

function bytes(text: string, what: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n <= 0 || n > MAX_CAP) throw new UsageError(`${what}: not a positive whole number of bytes: ${text}`);
  return n;
}

function pair(text: string, what: string): [string, string] {
  const at = text.lastIndexOf(what === '--fund' ? ':' : '=');
  if (at <= 0) throw new UsageError(`${what} ${text}: expected ${what === '--fund' ? 'ADDRESS:BYTES' : 'NAME=VALUE'}`);
  return [text.slice(0, at), text.slice(at + 1)];
}

async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string', default: '6611' },
      host: { type: 'string', default: '127.0.0.1' },
      db: { type: 'string' },
      fund: { type: 'string', multiple: true, default: [] },
      'stability-ms': { type: 'string', default: '1000' },
      network: { type: 'string', default: 'devnet' },
      feed: { type: 'string', multiple: true, default: [] },
      rate: { type: 'string', multiple: true, default: [] },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: not a port: ${values.port}`);
  const stabilityDelayMs = Number(values['stability-ms']);
  if (!Number.isInteger(stabilityDelayMs) || stabilityDelayMs < 0) throw new UsageError(`--stability-ms: not a duration: ${values['stability-ms']}`);
  if (!(values.network in NETWORK_PARAMS)) throw new UsageError(`--network: one of ${Object.keys(NETWORK_PARAMS).join(', ')}`);
  const genesis = values.fund.map((f) => {
    const [address, amount] = pair(f, '--fund');
    if (!isValidAddress(address)) throw new UsageError(`--fund ${f}: not a valid address`);
    return { address, amount: bytes(amount, '--fund') };
  });
  const feeds = Object.fromEntries(
    values.feed.map((f) => {
      const [name, value] = pair(f, '--feed');
      return [name, /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value];
    }),
  );
  const exchangeRates = Object.fromEntries(
    values.rate.map((r) => {
      const [name, value] = pair(r, '--rate');
      const rate = Number(value);
      if (!Number.isFinite(rate) || rate <= 0) throw new UsageError(`--rate ${r}: not a positive number`);
      return [name, rate];
    }),
  );
  const hub = await startDevHub({
    host: values.host,
    port,
    ...(values.db ? { dbFile: values.db } : {}),
    params: NETWORK_PARAMS[values.network as Network],
    genesis,
    stabilityDelayMs,
    oracle: { feeds },
    exchangeRates,
    logger: { info: (m) => console.log(m), warn: (m) => console.warn(m) },
  });
  console.log(`devhub listening on ${hub.url} (${hub.params.version}, alt ${hub.params.alt})`);
  console.log(`faucet ${hub.faucetAddress} (${hub.balance(hub.faucetAddress).stable} bytes), oracle ${hub.oracleAddress}`);
  console.log(`database ${values.db ?? ':memory: (lost on exit; use --db FILE to keep it)'}`);
  const stop = () => {
    void hub.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function send(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { url: { type: 'string', default: 'ws://127.0.0.1:6611' } } });
  const [address, amount] = positionals;
  if (positionals.length !== 2 || !address || !amount) throw new UsageError('send takes ADDRESS BYTES');
  if (!isValidAddress(address)) throw new UsageError(`not a valid address: ${address}`);
  const client = new HubClient({ url: values.url, requestTimeoutMs: 10_000, reconnectMaxMs: 1000 });
  try {
    await client.connect();
    console.log(await client.request<string>('devhub/faucet', { address, amount: bytes(amount, 'BYTES') }));
  } finally {
    await client.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'serve') return serve(rest);
  if (command === 'send') return send(rest);
  throw new UsageError(command ? `unknown command: ${command}` : 'no command');
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof UsageError) console.error(`${e.message}\n${USAGE}`);
  else console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
