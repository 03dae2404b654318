import { Hono } from 'hono'
import { callStats, statsPeriod } from '../dashboard/stats.js'
import type { AppDeps } from '../deps.js'

/** `GET /api/stats?storeId=&from=&to=`: the dashboard's numbers as JSON (the last seven days by default). */
export function statsRoutes(deps: Pick<AppDeps, 'db' | 'now'>) {
  return new Hono().get('/', async (c) => c.json(await callStats(deps.db, statsPeriod(c.req.query(), deps.now()))))
}
