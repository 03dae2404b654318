import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { makePrivateDirectory, makePrivateFile, tightenIfPresent } from '../utils/privateFiles.js'
import * as schema from './schema.js'

/** The application's Db (index.ts) on better-sqlite3, as its migrator takes it. */
export type NodeDb = BetterSQLite3Database<typeof schema>

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url))

/**
 * Connects to an existing database. WAL with synchronous=FULL: a commit is on disk before we
 * answer a webhook, even across a power cut. Each commit costs an fsync, which is why intake
 * group-commits (utils/batcher.ts). secure_delete: what is erased (a redaction, expired
 * transcripts) is overwritten with zeros, not left readable in free pages of the file; older
 * copies can stay in the WAL until it is overwritten.
 */
export function connectDatabase(path: string): { db: NodeDb; sqlite: Database.Database } {
  const sqlite = new Database(path)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = FULL')
  sqlite.pragma('secure_delete = ON')
  sqlite.pragma('busy_timeout = 5000')
  sqlite.pragma('foreign_keys = ON')
  return { db: drizzle(sqlite, { schema }), sqlite }
}

/**
 * Makes the database's files (it holds customers' names, phones and words) readable by the
 * service's user alone: the directory is created 0700, the file created or tightened to 0600
 * before SQLite opens it, as SQLite gives the -wal and -shm it creates the main file's mode;
 * ones left by an earlier run are tightened too.
 */
function makeDatabaseFilesPrivate(path: string): void {
  makePrivateDirectory(dirname(path))
  makePrivateFile(path)
  for (const suffix of ['-wal', '-shm']) tightenIfPresent(`${path}${suffix}`)
}

/**
 * Opens (creating if needed) the SQLite database, private to the service's user, and brings its
 * schema up to date. Foreign keys are off while migrating: drizzle-kit's table rebuilds would
 * otherwise cascade, and the PRAGMA has no effect inside migrate()'s transaction.
 */
export function openDatabase(path: string, migrationsFolder = MIGRATIONS_DIR): { db: NodeDb; sqlite: Database.Database } {
  if (path !== ':memory:') makeDatabaseFilesPrivate(path)
  const { db, sqlite } = connectDatabase(path)
  sqlite.pragma('foreign_keys = OFF')
  try {
    migrate(db, { migrationsFolder })
  } catch {
    // Two workers starting together both find the same migrations to apply: the second waits for
    // the first's transaction (busy_timeout), then fails on a table the first created. Looked at
    // again, nothing is left to apply; a migration that is itself broken fails again, and is thrown.
    migrate(db, { migrationsFolder })
  }
  const broken = sqlite.pragma('foreign_key_check') as unknown[]
  if (broken.length) {
    sqlite.close()
    throw new Error(`database ${path}: foreign keys broken after migration: ${JSON.stringify(broken.slice(0, 5))}`)
  }
  sqlite.pragma('foreign_keys = ON')
  return { db, sqlite }
}
