import { drizzle } from 'drizzle-orm/durable-sqlite'
import { migrate } from 'drizzle-orm/durable-sqlite/migrator'
import migrations from '../../migrations/migrations.js'
import type { Db } from '../db/index.js'
import * as schema from '../db/schema.js'

/**
 * A Durable Object's SQLite storage as the application's Db, its schema brought up to date from
 * the same migrations as the Node database: drizzle-kit's migrations.js imports each `.sql` file,
 * which wrangler bundles as text (`[[rules]]` in wrangler.example.toml). They run in one
 * synchronous transaction (`transactionSync`) before the object answers anything (the caller
 * holds `blockConcurrencyWhile`). Foreign keys are always enforced in a Durable Object and
 * drizzle-kit's `PRAGMA foreign_keys=OFF` does nothing inside a transaction, so a future migration
 * that rebuilds a parent table fails here (the schema has no ON DELETE CASCADE, so nothing is
 * deleted) unless it begins with `PRAGMA defer_foreign_keys = ON` (README: Deploy to Cloudflare Workers).
 *
 * @example
 * const db = await openDurableDatabase(ctx.storage)
 */
export async function openDurableDatabase(storage: DurableObjectStorage): Promise<Db> {
  const db = drizzle(storage, { schema })
  await migrate(db, migrations)
  return db
}
