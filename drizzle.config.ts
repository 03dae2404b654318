import { defineConfig } from 'drizzle-kit'

// Generate one structural change at a time and read the SQL: drizzle-kit 0.31 can write a broken
// INSERT … SELECT when a table rebuild and a new column land in the same migration.
// driver durable-sqlite: drizzle-kit also writes migrations/migrations.js, the same migrations
// bundled for the Cloudflare Durable Object (src/worker/durableDatabase.ts); better-sqlite3 reads the .sql files.
export default defineConfig({ dialect: 'sqlite', driver: 'durable-sqlite', schema: './src/db/schema.ts', out: './migrations' })
