import { existsSync, renameSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { ConfigError, loadConfig } from '../config.js'
import { makePrivateFile } from '../utils/privateFiles.js'

/**
 * `npm run backup -- <destination>` (built: `node dist/ops/backup.js <destination>`): a consistent
 * copy of the database at DATABASE_PATH, taken while the service runs. SQLite's online backup
 * copies every page inside one read transaction, which in WAL mode holds no writer back: webhooks,
 * calls and the store writer go on meanwhile. A destination that is a directory gets a file named
 * for the time, so a cron line needs no `date` (whose `%` crontab would eat).
 *
 * @example
 * DATABASE_PATH=/var/lib/callconfirm/callconfirm.db node dist/ops/backup.js /var/backups/callconfirm/
 */

/** A backup that cannot be made, said so that the operator knows what to fix. */
class BackupError extends Error {}

/** Where the copy goes: `destination` itself, or a file named for `now` inside it when it is a directory. */
function backupFile(destination: string, now: Date): string {
  if (existsSync(destination) && statSync(destination).isDirectory()) {
    return join(destination, `callconfirm-${now.toISOString().slice(0, 19).replaceAll(':', '-')}Z.db`)
  }
  if (!existsSync(dirname(resolve(destination)))) throw new BackupError(`the destination's directory ${dirname(resolve(destination))} does not exist`)
  return destination
}

/**
 * Copies the database at `source` to `destination`, then checks the copy opens and is whole. The
 * copy is written beside the destination under another name and renamed into place, so a backup
 * cut short never leaves a file that looks like a good one; it is readable by its owner only, as
 * the database is (it holds customers' names, phones and words).
 */
async function backupDatabase(source: string, destination: string): Promise<{ file: string; bytes: number }> {
  if (source === ':memory:' || !existsSync(source)) throw new BackupError(`no database at ${source} (DATABASE_PATH)`)
  const file = backupFile(destination, new Date())
  if (existsSync(file) && statSync(file).ino === statSync(source).ino) throw new BackupError(`${file} is the database itself`)
  const partial = join(dirname(file), `.${basename(file)}.partial-${process.pid}`)
  // Created owner-only before a page of it is written (SQLite gives the copy's -wal and -shm its mode).
  makePrivateFile(partial)
  const db = new Database(source, { readonly: true, fileMustExist: true })
  try {
    // Every remaining page in one step, so one read transaction: copied in small steps, each write
    // the service makes between two of them (a lease renewal every second) restarts the backup.
    await db.backup(partial, { progress: () => 0x7fffffff })
  } catch (error) {
    rmSync(partial, { force: true })
    throw error
  } finally {
    db.close()
  }
  const copy = new Database(partial, { fileMustExist: true })
  let check: unknown
  try {
    check = copy.pragma('quick_check', { simple: true })
  } finally {
    copy.close()
  }
  if (check !== 'ok') {
    rmSync(partial, { force: true })
    throw new BackupError(`the copy failed its check: ${check}`)
  }
  renameSync(partial, file)
  return { file, bytes: statSync(file).size }
}

// A .env in the working directory fills in what the environment leaves unset, as for the server.
if (existsSync('.env')) process.loadEnvFile('.env')
const destination = process.argv[2]
try {
  if (!destination) throw new BackupError('say where the copy goes: npm run backup -- <file or directory>')
  const source = loadConfig(process.env).databasePath
  const started = performance.now()
  const { file, bytes } = await backupDatabase(source, destination)
  console.log(
    `callconfirm backup: ${source} copied to ${file} (${(bytes / 1024 / 1024).toFixed(1)} MiB, ${Math.round(performance.now() - started)} ms)`,
  )
} catch (error) {
  if (!(error instanceof BackupError || error instanceof ConfigError || error instanceof Database.SqliteError)) throw error
  console.error(`callconfirm backup failed: ${error.message}`)
  process.exitCode = 1
}
