import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMailer } from '../../src/mail/mailer.ts';

test('without SMTP, each message is a whole .eml file in the outbox, which is made when missing', async () => {
  const root = mkdtempSync(join(tmpdir(), 'outbox-'));
  try {
    const outboxDir = join(root, 'data', 'outbox');
    const mailer = createMailer({ smtpUrl: null, from: 'cashback@example.com', outboxDir });
    await Promise.all(
      ['a@example.com', 'b@example.com'].map((to) => mailer.send({ to, subject: 'Your cashback', text: `hello ${to}`, html: '<p>hello</p>' })),
    );
    mailer.close();
    const files = readdirSync(outboxDir).sort();
    assert.equal(files.length, 2);
    assert.ok(files.every((f) => f.endsWith('.eml')), 'no temporary file is left behind');
    const bodies = files.map((f) => readFileSync(join(outboxDir, f), 'utf8'));
    for (const to of ['a@example.com', 'b@example.com']) {
      const eml = bodies.find((b) => b.includes(`To: ${to}`));
      assert.ok(eml, to);
      assert.match(eml, /^From: cashback@example\.com$/m);
      assert.match(eml, /^Subject: Your cashback$/m);
      assert.ok(eml.includes(`hello ${to}`));
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the To: header and the envelope hold exactly the one stored address; the files are the server user\'s alone', async () => {
  const root = mkdtempSync(join(tmpdir(), 'outbox-'));
  try {
    const outboxDir = join(root, 'outbox');
    const mailer = createMailer({ smtpUrl: null, from: 'cashback@example.com', outboxDir });
    const address = "o'neil+x{y}@shop.example.com";
    await mailer.send({ to: address, subject: 's', text: 't', html: '<p>t</p>' });
    for (const to of ['"a" <thief@evil.example>, "b"@shop.example', '"a" <b@c.com>"@d.com', 'a@[1.2.3.4]', 'a@x.com\nBcc: thief@evil.example']) {
      await assert.rejects(mailer.send({ to, subject: 's', text: 't', html: '<p>t</p>' }), /not a plain local@domain/, to);
    }
    mailer.close();
    const files = readdirSync(outboxDir);
    assert.equal(files.length, 1, 'nothing was written for the refused addresses');
    const eml = readFileSync(join(outboxDir, files[0]!), 'utf8');
    assert.deepEqual(eml.split('\n').filter((l) => /^(to|cc|bcc):/i.test(l)), [`To: ${address}`]);
    assert.equal(statSync(outboxDir).mode & 0o777, 0o700);
    assert.equal(statSync(join(outboxDir, files[0]!)).mode & 0o777, 0o600);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
