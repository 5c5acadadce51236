// `npm run fuzz [-- --requests 100000 --seed N --store sqlite|postgres --concurrency 64]`
// Sends fast-check requests through the whole HTTP stack and checks the invariants of issue 12 (see fuzz/harness.ts).
// Prints one JSON line with the counts; the exit code is non-zero when an invariant is broken.
import { clean, runFuzz, type FuzzOptions } from './fuzz/harness.ts';

function parseArgs(argv: string[]): FuzzOptions {
  const out: FuzzOptions = { requests: 100_000, seed: Date.now() % 2 ** 31, store: 'sqlite', concurrency: 64 };
  const num = (flag: string, v: string | undefined): number => {
    if (v === undefined || !/^\d+$/.test(v)) throw new Error(`${flag} needs a whole number`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const v = argv[i + 1];
    switch (flag) {
      case '--requests': out.requests = num(flag, v); i++; break;
      case '--seed': out.seed = num(flag, v); i++; break;
      case '--concurrency': out.concurrency = Math.max(1, num(flag, v)); i++; break;
      case '--store':
        if (v !== 'sqlite' && v !== 'postgres') throw new Error('--store is sqlite or postgres (the test database on 127.0.0.1)');
        out.store = v;
        i++;
        break;
      case '--help':
        console.log('npm run fuzz -- [--requests 100000] [--seed N] [--store sqlite|postgres] [--concurrency 64]');
        process.exit(0);
      default:
        throw new Error(`unknown option ${flag} (try --help)`);
    }
  }
  return out;
}

const report = await runFuzz(parseArgs(process.argv.slice(2)));
for (const v of report.violations) console.error(v);
const { violations: _v, ...counts } = report;
console.log(JSON.stringify(counts));
process.exit(clean(report) ? 0 : 1);
