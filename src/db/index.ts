import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import type * as schema from './schema.js'

/**
 * The database handle the application code uses. Queries are written with `await` so the same
 * code can move to D1; only the Node adapter (db/node.ts) knows it is better-sqlite3.
 */
export type Db = BetterSQLite3Database<typeof schema>

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
