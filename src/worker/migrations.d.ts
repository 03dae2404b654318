// drizzle-kit's migrations.js (migrations/), for the type checker: the journal and each migration's SQL.
declare module '*/migrations/migrations.js' {
  const migrations: { journal: { entries: { idx: number; when: number; tag: string; breakpoints: boolean }[] }; migrations: Record<string, string> }
  export default migrations
}
