// `npm start`: the API server (and, by default, the payout worker) from the configuration in the environment.
import { ConfigError, loadConfig } from './config.ts';
import { StartRefusal, startRuntime } from './runtime.ts';

/** A setting missing or wrong (no wallet, a bad value): one line that says what to set, exit code 2. */
function refuseOnConfigError(e: unknown): never {
  if (e instanceof ConfigError) {
    console.error(`configuration error: ${e.message}`);
    process.exit(2);
  }
  throw e;
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    refuseOnConfigError(e);
  }
  const log = (level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>) => {
    if (config.logLevel === 'silent') return;
    console[level === 'info' ? 'log' : level](JSON.stringify({ level, time: new Date().toISOString(), msg: message, ...extra }));
  };
  const runtime = await startRuntime(config, { log }).catch((e: unknown) => {
    // an expected refusal is one line for the operator, never a stack trace: a store or hub of another network or
    // wallet (StartRefusal), a missing wallet or one that does not fit the store (a bad setting)
    if (e instanceof StartRefusal) {
      console.error(`cannot start: ${e.message}`);
      process.exit(2);
    }
    return refuseOnConfigError(e);
  });
  // Before the lines that say the server is up: a stop asked for right after them must close it cleanly.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('info', `stopping on ${signal}`);
    await runtime.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  if (runtime.demoPartner) {
    console.log(
      [
        '',
        'First start: a demo partner was created. Its key is shown only this once:',
        `  partner:     ${runtime.demoPartner.name}`,
        `  partner_key: ${runtime.demoPartner.key}`,
        '',
      ].join('\n'),
    );
  }
  const address = runtime.http?.server.address();
  if (address && typeof address === 'object') {
    console.log(`cashback API on http://${address.address}:${address.port} (POST /new_purchase, /test/new_purchase)`);
  }
  for (const n of Object.values(runtime.networks)) {
    console.log(`${n.config.name} network (${n.config.kind}): hub ${n.devhub ? `${n.devhub.url} (embedded devhub)` : n.config.hubUrl}, hot wallet ${n.hot.address}, pool funding address ${n.funding.address}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
