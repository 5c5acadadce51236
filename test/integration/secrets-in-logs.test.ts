// Issue 12, point 6: a server logging at trace (SQLite) and debug (PostgreSQL) serves purchases, textcoins among them,
// credentials in query strings and wrong keys; then its whole log is searched for every secret it handled.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, form, type TestApp } from '../helpers/app.ts';
import { STORE_KINDS } from '../helpers/stores.ts';

const CUSTOMER_ADDRESS = 'KSCCYOEMOMUMJXROLK4HWLTJBWFXICRB';
const DAY_MS = 24 * 60 * 60 * 1000;
const CLAIM_LINK = /(?:https:\/\/(?:testnet\.)?obyte\.org\/#|obyte-dn:)textcoin\?([a-z]+(?:-[a-z]+){11})/;

/** Plain-text bodies of the .eml files, quoted-printable decoded; waits until there are `count` of them. */
async function mails(dir: string, count: number): Promise<string[]> {
  for (let waited = 0; ; waited += 50) {
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.eml'));
    } catch {
      // not made yet
    }
    if (names.length >= count) {
      return names.map((n) =>
        readFileSync(join(dir, n), 'utf8')
          .replace(/=\r?\n/g, '')
          .replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
      );
    }
    if (waited > 15_000) assert.fail(`${names.length} of ${count} e-mails in the outbox`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Sends raw bytes to the server and waits until it closes the connection (or a second passes). */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), 1000);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      done(Buffer.concat(chunks).toString('utf8'));
    });
    socket.write(bytes);
  });
}

for (const kind of STORE_KINDS) {
  const level = kind === 'sqlite' ? 'trace' : 'debug';
  describe(`no secret in the log at LOG_LEVEL=${level} on ${kind}`, () => {
    let app: TestApp;
    const lines: string[] = [];
    let seq = 0;
    const base = (over: Record<string, string> = {}) => ({
      partner: app.partner.name,
      partner_key: app.partner.key,
      customer: 'cust-1',
      order_id: `log-${kind}-${++seq}`,
      address: CUSTOMER_ADDRESS,
      currency: 'USD',
      currency_amount: '20',
      ...over,
    });

    before(async () => {
      // a DATA_DIR that others may read: the server says so at start
      const dataDir = mkdtempSync(join(tmpdir(), 'cashback-log-'));
      chmodSync(dataDir, 0o755);
      const logStream = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
          done();
        },
      });
      // the same lines main.ts prints for the runtime's own messages
      const log = (level: string, msg: string, extra?: Record<string, unknown>) => lines.push(JSON.stringify({ level, msg, ...extra }));
      app = await startTestApp(kind, { LOG_LEVEL: level }, { log, logStream, dataDir });
    });
    after(() => app.close());

    test('purchases, textcoins, credentials in query strings, wrong keys and take-backs leave no secret in the log', async () => {
      const paid = await app.post('/new_purchase', form(base()));
      assert.equal(paid.json.result, 'ok', JSON.stringify(paid.json));
      for (const email of ['alice@example.com', 'bob@shop.example.org']) {
        const res = await app.post('/new_purchase', form(base({ address: email, customer: email })));
        assert.equal(res.json.result, 'ok', JSON.stringify(res.json));
      }
      const json = await app.post('/test/new_purchase', base({ address: 'carol@example.net' }));
      assert.equal(json.json.result, 'ok', JSON.stringify(json.json));
      const query = form(base());
      for (const [method, url] of [
        ['GET', `/new_purchase?${query}`],
        ['GET', `/test/new_purchase/?${query}`],
        ['POST', `/new_purchase?${query}`],
        ['GET', `/nowhere?${query}`],
        ['DELETE', `/health?partner_key=${app.partner.key}`],
      ] as const) {
        const res = await app.runtime.http!.inject({ method, url, payload: method === 'POST' ? query : undefined, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
        assert.ok(res.statusCode < 500, `${method} ${url}: ${res.statusCode}`);
      }
      const refused = [
        form(base({ partner_key: `${app.partner.key}x` })),
        form(base({ address: app.partner.key })),
        form(base({ currency_amount: app.partner.key })),
        '{"partner_key":"' + app.partner.key + '",',
      ];
      for (const body of refused) {
        const res = await app.post('/new_purchase', body, body.startsWith('{') ? { 'content-type': 'application/json' } : {});
        assert.equal(res.json.result, 'error');
      }

      // requests Node's HTTP parser refuses: Fastify logs the error, whose rawPacket holds the bytes sent
      const http = app.runtime.http!;
      await http.listen({ host: '127.0.0.1', port: 0 });
      const { port } = http.server.address() as AddressInfo;
      const key = app.partner.key;
      for (const raw of [
        `GET /new_purchase?partner_key=${key} HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n`,
        `POST /new_purchase HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\npartner_key=${key}`,
        `POST /new_purchase?partner_key=${key} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\npartner_key=${key}\r\n`,
        `GET /new_purchase?partner_key=${key} HTTP/1.1\r\nHost: x\r\n\r\n`,
      ]) {
        await rawExchange(port, raw);
      }

      // the claim links reach the outbox, and the unclaimed textcoins are taken back (their mnemonics are opened)
      const bodies = await mails(app.config.mail.outboxDir, 3);
      const mnemonics = bodies.map((b) => CLAIM_LINK.exec(b)?.[1]).filter((m): m is string => m !== undefined);
      assert.equal(mnemonics.length, 3);
      await app.settle();
      for (const network of ['main', 'test'] as const) {
        const closed = await app.runtime.closeTextcoins(network, Date.now() + 8 * DAY_MS);
        assert.equal(closed.takenBack, network === 'main' ? 2 : 1, network);
      }

      const secrets: Array<[string, string]> = [
        ['the partner key', app.partner.key],
        ['the wallet mnemonic', app.runtime.mnemonic],
        ['the wallet mnemonic, hyphenated', app.runtime.mnemonic.replaceAll(' ', '-')],
        ['the secret key', readFileSync(app.config.secretKey.file, 'utf8').trim()],
        ...mnemonics.flatMap((m, i): Array<[string, string]> => [
          [`textcoin ${i}'s mnemonic`, m],
          [`textcoin ${i}'s mnemonic, spaced`, m.replaceAll('-', ' ')],
          [`textcoin ${i}'s claim link`, `textcoin?${m}`],
        ]),
        ['the link of any textcoin', 'textcoin?'],
        ['a query string of a purchase path', 'new_purchase?'],
      ];
      const log = lines.join('\n');
      for (const [what, secret] of secrets) {
        // as text, and as the list of byte values a Buffer is logged as
        for (const form of [secret, [...Buffer.from(secret)].join(',')]) {
          const at = log.indexOf(form);
          assert.equal(at, -1, `${what} is in the log: …${log.slice(Math.max(0, at - 200), at + 100)}…`);
        }
      }
      // and the log is not empty: every request is in it, by path, and the loose DATA_DIR was reported
      assert.ok(lines.length > 20, `${lines.length} log lines`);
      assert.match(log, /"url":"\/new_purchase"/);
      assert.match(log, /"url":"\/nowhere"/);
      assert.ok(lines.some((l) => l.includes('readable by other users') && l.includes(`${app.config.dataDir} (755)`)), 'the loose DATA_DIR is reported');
    });
  });
}
