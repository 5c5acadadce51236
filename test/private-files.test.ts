import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { looseFiles, loosePrivateFiles } from '../src/private-files.ts';

test('every file that holds a secret is reported when group or others may use it; missing ones are not', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'private-files-'));
  try {
    const config = loadConfig({ DATA_DIR: dataDir });
    assert.deepEqual(loosePrivateFiles(config), [], 'a fresh 0700 folder with nothing in it');
    const outbox = config.mail.outboxDir;
    mkdirSync(outbox, { mode: 0o700 });
    const files = {
      wallet: config.wallet.file,
      secret: config.secretKey.file,
      db: join(dataDir, 'cashback.sqlite'),
      wal: join(dataDir, 'cashback.sqlite-wal'),
      shm: join(dataDir, 'cashback.sqlite-shm'),
      eml: join(outbox, 'a.eml'),
      other: join(outbox, 'notes.txt'),
    };
    for (const path of Object.values(files)) writeFileSync(path, 'x', { mode: 0o600 });
    assert.deepEqual(loosePrivateFiles(config), []);
    chmodSync(dataDir, 0o750);
    chmodSync(outbox, 0o701);
    for (const path of Object.values(files)) chmodSync(path, 0o604);
    assert.deepEqual(
      loosePrivateFiles(config).map((f) => `${f.path} ${f.mode}`).sort(),
      [`${dataDir} 750`, `${outbox} 701`, ...['wallet', 'secret', 'db', 'wal', 'shm', 'eml'].map((k) => `${files[k as keyof typeof files]} 604`)].sort(),
    );
    // secrets given in the environment have no file to check
    const fromEnv = loadConfig({ DATA_DIR: dataDir, SECRET_KEY: 'ab'.repeat(32), WALLET_MNEMONIC: 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about' });
    assert.ok(!loosePrivateFiles(fromEnv).some((f) => f.path === files.wallet || f.path === files.secret));
    assert.deepEqual(looseFiles([join(dataDir, 'missing')]), []);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
