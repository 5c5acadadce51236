import { CompiledQuery, type Compilable, type Insertable, type Kysely, type QueryResult, type Transaction } from 'kysely';
import type { Database } from './schema.ts';

type Executor = Kysely<Database> | Transaction<Database>;

/** Stands for a value given at run time; typed as the value it stands for, so Kysely checks it against its column. */
export type Param<V> = <K extends keyof V & string>(name: K) => V[K];

export interface Prepared<V, O> {
  run(db: Executor, values: V): Promise<QueryResult<O>>;
}

/** One argument of the compiled statement: a named run-time value, or a constant written into the query. */
type Slot = { name: string } | { constant: unknown };

interface Compiled {
  sql: string;
  slots: Slot[];
}

const MARK = '\u0000param:';

/**
 * A query of a hot path, built with Kysely once per dialect and then run with new values. Building and compiling a
 * query with Kysely costs more than SQLite takes to run a small insert or a lookup by key; on the purchase path
 * that was a fifth of the server's CPU. The compiled text is also the same string object on every run, so the
 * driver's statement cache finds it without hashing a fresh copy.
 *
 * `build` gets a parameter function: `param('id')` is a marker standing for `values.id`. Only fixed shapes fit
 * here (no lists whose length varies with the values).
 */
export function prepared<V extends Record<string, unknown>, O>(
  build: (db: Executor, param: Param<V>) => Compilable<O>,
): Prepared<V, O> {
  // The adapter object is one per Kysely instance and shared by its transactions: one compilation per store.
  const byAdapter = new WeakMap<object, Compiled>();
  const compile = (db: Executor): Compiled => {
    const adapter = db.getExecutor().adapter;
    let compiled = byAdapter.get(adapter);
    if (!compiled) {
      const names = new Set<string>();
      const param = ((name: string) => {
        names.add(name);
        return `${MARK}${name}`;
      }) as Param<V>;
      const query = build(db, param).compile();
      const slots = query.parameters.map((p): Slot =>
        typeof p === 'string' && p.startsWith(MARK) ? { name: p.slice(MARK.length) } : { constant: p },
      );
      for (const name of names) {
        if (!slots.some((s) => 'name' in s && s.name === name)) throw new Error(`prepared query lost its parameter ${name}: ${query.sql}`);
      }
      compiled = { sql: query.sql, slots };
      byAdapter.set(adapter, compiled);
    }
    return compiled;
  };
  return {
    run(db, values) {
      const { sql, slots } = compile(db);
      const parameters = slots.map((s) => {
        if ('constant' in s) return s.constant;
        const value = values[s.name];
        if (value === undefined) throw new Error(`prepared query: no value for ${s.name}`);
        return value;
      });
      return db.executeQuery(CompiledQuery.raw(sql, parameters)) as Promise<QueryResult<O>>;
    },
  };
}

/**
 * An insert of one whole row into `table`, prepared. `columns` names every column the rows give; a row with other
 * keys is a bug and throws, so no value is ever dropped silently.
 */
export function preparedInsert<T extends keyof Database & string>(
  table: T,
  columns: readonly (keyof Database[T] & string)[],
): Prepared<Insertable<Database[T]>, never> {
  const insert = prepared<Record<string, unknown>, never>((db, param) =>
    // The row type is checked at run()'s signature; Kysely's own per-table typing cannot follow a generic table.
    (db as unknown as Kysely<Record<string, Record<string, unknown>>>).insertInto(table).values(Object.fromEntries(columns.map((c) => [c, param(c)]))),
  );
  const known = new Set<string>(columns);
  return {
    run(db, row) {
      const keys = Object.keys(row);
      if (keys.length !== known.size || !keys.every((k) => known.has(k))) {
        throw new Error(`insert into ${table}: columns ${keys.join(', ')} instead of ${columns.join(', ')}`);
      }
      return insert.run(db, row as Record<string, unknown>);
    },
  };
}
