import { defineConfig } from 'drizzle-kit'

// Generate one structural change at a time and read the SQL: drizzle-kit 0.31 can write a broken
// INSERT … SELECT when a table rebuild and a new column land in the same migration.
export default defineConfig({ dialect: 'sqlite', schema: './src/db/schema.ts', out: './migrations' })
