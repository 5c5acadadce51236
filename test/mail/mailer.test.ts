import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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
