import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import type * as schema from './schema.js'

/**
 * The database handle the application code uses. Queries are written with `await` so the same
 * code can move to D1; only the Node adapter (db/node.ts) knows it is better-sqlite3.
 */
export type Db = BetterSQLite3Database<typeof schema>
