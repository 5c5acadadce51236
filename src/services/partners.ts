import { hash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../storage/db.ts';
import { newId } from '../storage/ids.ts';
import { prepared } from '../storage/prepared.ts';
import { isUniqueViolation } from '../storage/errors.ts';
import { err, ok, type Result } from '../domain/result.ts';

export interface Partner {
  id: string;
  name: string;
  enabled: boolean;
  depositIndex: number;
  createdAt: Date;
  /** The operator's daily budget in USD (decimal text); null: the configured default. */
  dailyBudgetUsd: string | null;
}

export type PartnerAdminError = 'name_taken' | 'invalid_name' | 'not_found';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,99}$/;

export function hashKey(key: string): string {
  return hash('sha256', key, 'hex');
}

/** 32 random bytes, base64url: fits every client's field rules ([A-Za-z0-9_-]). */
function newKey(): string {
  return randomBytes(32).toString('base64url');
}

type PartnerRow = { id: string; name: string; enabled: bigint; deposit_index: bigint; created_at: bigint; daily_budget_usd: string | null };

function toPartner(row: PartnerRow): Partner {
  return {
    id: row.id,
    name: row.name,
    enabled: BigInt(row.enabled) === 1n,
    depositIndex: Number(row.deposit_index),
    createdAt: new Date(Number(row.created_at)),
    dailyBudgetUsd: row.daily_budget_usd,
  };
}

/** Signs a partner up. The key is returned once, here; only its hash is stored. */
export async function addPartner(db: Db, name: string, now = Date.now()): Promise<Result<{ partner: Partner; key: string }, PartnerAdminError>> {
  const trimmed = name.trim();
  if (!NAME_RE.test(trimmed)) return err('invalid_name');
  const key = newKey();
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const row = await db.kysely.transaction().execute(async (tx) => {
        const { next } = await tx
          .selectFrom('partners')
          .select(sql<bigint>`coalesce(max(deposit_index), 0) + 1`.as('next'))
          .executeTakeFirstOrThrow();
        const values = {
          id: newId('ptn', now),
          name: trimmed,
          key_hash: hashKey(key),
          enabled: 1,
          deposit_index: BigInt(next),
          created_at: now,
          key_rotated_at: null,
        };
        await tx.insertInto('partners').values(values).execute();
        return values;
      });
      return ok({ partner: toPartner({ ...row, enabled: 1n, created_at: BigInt(now), daily_budget_usd: null }), key });
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      if (await findPartner(db, trimmed)) return err('name_taken');
      // a concurrent sign-up took the same deposit index: try again
    }
  }
  throw new Error('could not allocate a deposit index');
}

export async function findPartner(db: Db, name: string): Promise<Partner | null> {
  const row = await db.kysely
    .selectFrom('partners')
    .select(['id', 'name', 'enabled', 'deposit_index', 'created_at', 'daily_budget_usd'])
    .where('name', '=', name.trim())
    .executeTakeFirst();
  return row ? toPartner(row) : null;
}

export async function listPartners(db: Db): Promise<Partner[]> {
  const rows = await db.kysely
    .selectFrom('partners')
    .select(['id', 'name', 'enabled', 'deposit_index', 'created_at', 'daily_budget_usd'])
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toPartner);
}

export async function setEnabled(db: Db, name: string, enabled: boolean): Promise<Result<Partner, PartnerAdminError>> {
  const res = await db.kysely.updateTable('partners').set({ enabled: enabled ? 1 : 0 }).where('name', '=', name.trim()).executeTakeFirst();
  if (res.numUpdatedRows === 0n) return err('not_found');
  const partner = await findPartner(db, name);
  return partner ? ok(partner) : err('not_found');
}

/** Replaces the key; the old one stops working at once. */
export async function rotateKey(db: Db, name: string, now = Date.now()): Promise<Result<{ partner: Partner; key: string }, PartnerAdminError>> {
  const key = newKey();
  const res = await db.kysely
    .updateTable('partners')
    .set({ key_hash: hashKey(key), key_rotated_at: now })
    .where('name', '=', name.trim())
    .executeTakeFirst();
  if (res.numUpdatedRows === 0n) return err('not_found');
  const partner = await findPartner(db, name);
  return partner ? ok({ partner, key }) : err('not_found');
}

const partnerByKeyHash = prepared<{ key_hash: string }, PartnerRow>((db, param) =>
  db.selectFrom('partners').select(['id', 'name', 'enabled', 'deposit_index', 'created_at', 'daily_budget_usd']).where('key_hash', '=', param('key_hash')),
);

/**
 * Looks the partner up by the hash of the presented key, then checks the name.
 * Unknown partner, wrong key and disabled partner are indistinguishable to the caller.
 */
export function authenticate(db: Db, name: string, key: string): Promise<Partner | null> {
  return authenticateHash(db, name, hashKey(key));
}

async function authenticateHash(db: Db, name: string, keyHash: string): Promise<Partner | null> {
  const row = (await partnerByKeyHash.run(db.kysely, { key_hash: keyHash })).rows[0];
  // The secret is the key, found by its hash; the name is public, so a plain comparison reveals nothing.
  if (!row || row.name !== name) return null;
  const partner = toPartner(row);
  return partner.enabled ? partner : null;
}

/** How long a running server trusts a successful authentication: a disabled partner or a replaced key stops working within this. */
export const AUTH_MEMORY_MS = 1000;
const MAX_REMEMBERED = 10_000;

/**
 * authenticate(), with each success remembered for AUTH_MEMORY_MS, by the key's hash. Under load every purchase
 * looked its partner up in the store, a read transaction of its own (about a tenth of the request path). Failures
 * are not remembered: a new partner or a new key works at once.
 */
export function rememberingAuthenticator(db: Db, now: () => number = Date.now): (name: string, key: string) => Promise<Partner | null> {
  const remembered = new Map<string, { partner: Partner; until: number }>();
  return async (name, key) => {
    const keyHash = hashKey(key);
    const hit = remembered.get(keyHash);
    const t = now();
    if (hit && hit.until > t && hit.partner.name === name) return hit.partner;
    const partner = await authenticateHash(db, name, keyHash);
    if (partner) {
      if (remembered.size >= MAX_REMEMBERED) remembered.clear();
      remembered.set(keyHash, { partner, until: t + AUTH_MEMORY_MS });
    } else remembered.delete(keyHash);
    return partner;
  };
}
