import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core'
import type * as schema from './schema.js'

/**
 * The database handle the application code uses, whichever driver is under it: better-sqlite3 on
 * Node (db/node.ts) or a Durable Object's SQLite (drizzle-orm/durable-sqlite). Both are
 * synchronous, so a transaction is a synchronous function on both (better-sqlite3's, the Durable
 * Object's `transactionSync`): its callback must not await. What a statement's `.run()` returns
 * differs (better-sqlite3 reports `changes`, the Durable Object nothing), so code that needs to
 * know how many rows a statement touched asks for them with `.returning()`.
 */
export type Db = BaseSQLiteDatabase<'sync', unknown, typeof schema>

/**
 * Builds something once per database handle — prepared statements for hot paths, which save
 * drizzle's query building and SQLite's parsing on every webhook.
 *
 * @example
 * const statements = perDb((db) => ({ byId: db.select().from(stores).where(eq(stores.id, sql.placeholder('id'))).prepare() }))
 * const row = await statements(db).byId.get({ id })
 */
export function perDb<T>(build: (db: Db) => T): (db: Db) => T {
  const built = new WeakMap<Db, T>()
  return (db) => {
    let value = built.get(db)
    if (value === undefined) {
      value = build(db)
      built.set(db, value)
    }
    return value
  }
}
