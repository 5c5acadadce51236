// `cashback init`: sets up a real deployment once. It creates or imports the wallet, creates the store, prints the
// mnemonic once, the addresses to fund and what to back up. The only command that creates a store or a wallet.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import { loadConfig, SQLITE_FILE_NAME, type Config } from '../config.ts';
import { openDb, storeDescription } from '../storage/db.ts';
import type { NetworkName } from '../storage/schema.ts';
import { generateMnemonic, isValidMnemonic, walletKey } from '../obyte/keys.ts';
import { explorerAddressUrl } from '../obyte/explorer.ts';
import { createWalletFile, KEY_INDEX, secretKey } from '../wallet.ts';
import { isPrivate, makePrivateDir, modeText } from '../private-files.ts';
import { CliError, findStore, json, NETWORKS, out, SetupError } from './common.ts';

type MnemonicSource = 'created' | 'WALLET_MNEMONIC' | 'mnemonic file' | 'prompt';

interface NetworkAddresses {
  kind: string;
  hub: string;
  funding_address: string;
  funding_explorer: string | null;
  hot_address: string;
  hot_explorer: string | null;
}

export interface InitReport {
  /** `private`: no access for group or others (a folder that existed may have had a wider mode). */
  data_dir: { path: string; mode: string; private: boolean };
  wallet: { file: string; mode: string; source: MnemonicSource };
  /** Only for a wallet created now: the one time it is shown. */
  mnemonic: string | null;
  secret_key: { file: string; mode: string } | { file: null; from: 'SECRET_KEY' };
  store: { kind: 'sqlite' | 'postgres'; location: string; created: boolean };
  networks: Record<NetworkName, NetworkAddresses>;
  backup: string[];
}

/** Words as an operator may type or paste them (any case, hyphens, extra spaces), as BIP39 wants them; null if not a mnemonic. */
export function normalizeMnemonic(text: string): string | null {
  const words = text.trim().toLowerCase().split(/[\s-]+/).filter(Boolean).join(' ');
  return isValidMnemonic(words) ? words : null;
}

async function promptMnemonic(): Promise<string> {
  // The question goes to stderr, so that --json output stays one JSON document. The words typed are not echoed:
  // readline echoes on a raw terminal through its output, which is muted once the question is out.
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    const answer = rl.question('To import an existing wallet, type its words (not shown); to create a new wallet, press Enter: ');
    muted = true;
    return await answer;
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}

/** Where the seed comes from: --mnemonic-file, WALLET_MNEMONIC, the terminal, else a new one. */
async function chooseMnemonic(config: Config, mnemonicFile: string | undefined): Promise<{ mnemonic: string; source: MnemonicSource }> {
  if (mnemonicFile !== undefined && config.wallet.mnemonic) throw new CliError('give the wallet either in WALLET_MNEMONIC or with --mnemonic-file, not both');
  let typed: string | null = null;
  let source: MnemonicSource = 'created';
  if (mnemonicFile !== undefined) {
    if (!existsSync(mnemonicFile)) throw new CliError(`no file ${mnemonicFile}`);
    [typed, source] = [readFileSync(mnemonicFile, 'utf8'), 'mnemonic file'];
  } else if (config.wallet.mnemonic) {
    [typed, source] = [config.wallet.mnemonic, 'WALLET_MNEMONIC'];
  } else if (process.stdin.isTTY) {
    const answer = await promptMnemonic();
    if (answer.trim() !== '') [typed, source] = [answer, 'prompt'];
  }
  if (typed === null) return { mnemonic: generateMnemonic(), source: 'created' };
  const mnemonic = normalizeMnemonic(typed);
  // The words are never echoed back: a typo would put most of a secret on the screen or in a log.
  if (mnemonic === null) throw new CliError(`the ${source === 'prompt' ? 'words typed' : source} do not make a valid BIP39 mnemonic (check the words and their order)`);
  return { mnemonic, source };
}

function networkAddresses(config: Config, mnemonic: string): Record<NetworkName, NetworkAddresses> {
  const funding = walletKey(mnemonic, KEY_INDEX.funding).address;
  const hot = walletKey(mnemonic, KEY_INDEX.hot).address;
  const result = {} as Record<NetworkName, NetworkAddresses>;
  for (const n of NETWORKS) {
    const nc = config.networks[n];
    result[n] = {
      kind: nc.kind,
      hub: nc.embeddedDevhubPort === null ? nc.hubUrl : `embedded devhub on port ${nc.embeddedDevhubPort}`,
      funding_address: funding,
      funding_explorer: explorerAddressUrl(nc.kind, funding),
      hot_address: hot,
      hot_explorer: explorerAddressUrl(nc.kind, hot),
    };
  }
  return result;
}

const mode = (path: string) => modeText(statSync(path).mode);

/** Does the work once every check has passed; the wallet file comes last, so that a failure before leaves none. */
export async function initDeployment(config: Config, mnemonicFile?: string): Promise<InitReport> {
  const walletFile = config.wallet.file;
  if (existsSync(walletFile)) {
    throw new SetupError(`a wallet exists already at ${walletFile}; init never replaces a wallet (to start over, move it and the store away first)`);
  }
  const sqliteFile = join(config.dataDir, SQLITE_FILE_NAME);
  if (config.store.kind === 'postgres' && existsSync(sqliteFile)) {
    throw new SetupError(
      `${config.dataDir} holds a SQLite store (${sqliteFile}): moving a deployment between SQLite and PostgreSQL is not supported; ` +
        'use a new DATA_DIR for a new deployment on PostgreSQL',
    );
  }
  const { mnemonic, source } = await chooseMnemonic(config, mnemonicFile);
  const where = storeDescription(config.store);
  const existed = await findStore(config);
  if (existed && source === 'created') {
    throw new SetupError(
      `a store exists already at ${where}: its ledger belongs to another wallet; import that wallet (WALLET_MNEMONIC or --mnemonic-file), or name a new store`,
    );
  }
  makePrivateDir(config.dataDir);
  await secretKey(config, () => !existed);
  const db = await openDb(config.store);
  await db.close();
  createWalletFile(walletFile, mnemonic);
  const secretFile = config.secretKey.value ? null : config.secretKey.file;
  return {
    data_dir: { path: config.dataDir, mode: mode(config.dataDir), private: isPrivate(config.dataDir) },
    wallet: { file: walletFile, mode: mode(walletFile), source },
    mnemonic: source === 'created' ? mnemonic : null,
    secret_key: secretFile ? { file: secretFile, mode: mode(secretFile) } : { file: null, from: 'SECRET_KEY' },
    store: { kind: config.store.kind, location: where, created: !existed },
    networks: networkAddresses(config, mnemonic),
    backup: [
      `${walletFile}: the wallet seed, the keys to every address and all the funds (or the words written down)`,
      `${secretFile ?? 'SECRET_KEY'}: decrypts the textcoins in the store; without it unclaimed textcoins cannot be taken back`,
      `the database (${where}): partners, purchases, the ledger; back it up daily (docs/operations.md)`,
    ],
  };
}

export function initText(r: InitReport): string {
  const lines = [
    `wallet:      ${r.wallet.file} (mode ${r.wallet.mode}, ${r.wallet.source === 'created' ? 'a new wallet' : `imported from ${r.wallet.source}`})`,
    `textcoin key: ${r.secret_key.file === null ? 'from SECRET_KEY' : `${r.secret_key.file} (mode ${r.secret_key.mode})`}`,
    `data folder: ${r.data_dir.path} (mode ${r.data_dir.mode}${r.data_dir.private ? '' : `; others can reach it: chmod 700 ${r.data_dir.path}`})`,
    `store:       ${r.store.kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'} ${r.store.location} (${r.store.created ? 'created' : 'existed; brought up to date'})`,
  ];
  if (r.mnemonic !== null) {
    lines.push(
      '',
      'WRITE THIS DOWN. The wallet\'s words, shown only this once. Whoever has them controls every address and all the',
      'funds of this deployment; keep them on paper, offline, where only you can reach them:',
      '',
      `    ${r.mnemonic}`,
    );
  }
  for (const n of NETWORKS) {
    const a = r.networks[n];
    const link = (url: string | null) => url ?? '(devnet: no public explorer)';
    lines.push(
      '',
      `${n} network (${a.kind}, hub ${a.hub}):`,
      `  pool funding address: ${a.funding_address}  ${link(a.funding_explorer)}`,
      `  hot wallet address:   ${a.hot_address}  ${link(a.hot_explorer)}`,
    );
  }
  lines.push(
    '',
    'Fund the pool by paying bytes to the pool funding address; the server credits them once stable.',
    'Back up now, and keep the copies off this machine:',
    ...r.backup.map((b) => `  - ${b}`),
  );
  return lines.join('\n');
}

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('set up a deployment: create or import the wallet, create the store, show the addresses to fund')
    .option('--mnemonic-file <file>', 'import the wallet whose words this file holds')
    .addOption(json())
    .action(async (o: { mnemonicFile?: string; json?: boolean }) => {
      const report = await initDeployment(loadConfig(), o.mnemonicFile);
      out(!!o.json, report, () => initText(report));
    });
}
