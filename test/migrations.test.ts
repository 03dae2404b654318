import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { MIGRATIONS_DIR, openDatabase } from '../src/db/node.js'
import { startTestService } from './support/service.js'

const journal = JSON.parse(readFileSync(join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')) as {
  entries: Array<{ idx: number; tag: string }>
}
const SEEDS = join(import.meta.dirname, 'fixtures', 'migrations')
const work = mkdtempSync(join(tmpdir(), 'callconfirm-migrations-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** A migrations folder holding only the first `count` migrations: the schema as it once was. */
function migrationsUpTo(count: number): string {
  const dir = join(work, `migrations-${count}`)
  mkdirSync(join(dir, 'meta'), { recursive: true })
  const entries = journal.entries.slice(0, count)
  for (const e of entries) copyFileSync(join(MIGRATIONS_DIR, `${e.tag}.sql`), join(dir, `${e.tag}.sql`))
  writeFileSync(join(dir, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries }))
  return dir
}

const TABLES = [
  'stores',
  'orders',
  'call_attempts',
  'transcript_lines',
  'webhook_receipts',
  'privacy_requests',
  'store_writes',
  'service_holds',
  'call_recordings',
  'messages',
  'do_not_contact',
]
/** Rows in each of our tables that the database has (an older version lacks the newer ones). */
const counts = (sqlite: Database.Database) => {
  const present = new Set(
    sqlite
      .prepare("select name from sqlite_master where type = 'table'")
      .all()
      .map((r) => (r as { name: string }).name),
  )
  return Object.fromEntries(
    TABLES.filter((t) => present.has(t)).map((t) => [t, (sqlite.prepare(`select count(*) as n from ${t}`).get() as { n: number }).n]),
  )
}

describe('database migrations', () => {
  it('apply to an empty database and leave every table in place', () => {
    const { sqlite } = openDatabase(join(work, 'empty.db'))
    const tables = sqlite
      .prepare("select name from sqlite_master where type = 'table'")
      .all()
      .map((r) => (r as { name: string }).name)
    expect(tables).toEqual(expect.arrayContaining(TABLES))
    sqlite.close()
  })

  it('are idempotent: opening an up-to-date database again changes nothing', () => {
    const file = join(work, 'twice.db')
    openDatabase(file).sqlite.close()
    const { sqlite } = openDatabase(file)
    const applied = sqlite.prepare('select count(*) as n from __drizzle_migrations').get() as { n: number }
    expect(applied.n).toBe(journal.entries.length)
    sqlite.close()
  })

  it.each(journal.entries.map((e) => [e.tag, e.idx] as const))(
    'upgrade a database that has lived up to %s, holding data, to the latest without losing a row',
    async (tag, idx) => {
      // Live through each version in turn: migrate to it, then add what an install at it adds.
      const file = join(work, `from-${tag}.db`)
      for (const version of journal.entries.slice(0, idx + 1)) {
        const seed = join(SEEDS, `${version.tag}.sql`)
        expect(existsSync(seed), `write ${seed}: the data an install at ${version.tag} adds`).toBe(true)
        openDatabase(file, migrationsUpTo(version.idx + 1)).sqlite.close()
        const raw = new Database(file)
        raw.exec(readFileSync(seed, 'utf8'))
        raw.close()
      }
      const raw = new Database(file)
      const before = counts(raw)
      raw.close()

      const { sqlite } = openDatabase(file)
      expect(counts(sqlite)).toMatchObject(before)
      expect(sqlite.pragma('foreign_key_check')).toEqual([])
      sqlite.close()

      // The upgraded database serves the API: the seeded order reads back whole (the seeds are
      // dated 2025, so retention is set long enough to keep their transcript).
      const svc = await startTestService({ DATABASE_PATH: file, RETENTION_DAYS: '3650' })
      try {
        const order = await svc.api('GET', '/api/orders/1')
        expect(order.body).toMatchObject({ platformOrderId: '820982911946154508', phone: '+38344123456' })
        expect(order.body.transcript).toHaveLength(2)
      } finally {
        await svc.close()
      }
    },
  )
})
