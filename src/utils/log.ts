import type { LogLevel } from '../config.js'

export type LogFields = Record<string, unknown>

/**
 * Structured logs, one JSON object per line. Callers log masked values (see `maskPhone`);
 * as a safety net the logger also redacts secret-named fields and anything shaped like an
 * international phone number, so a slip never puts a customer's number or a token in the logs.
 */
export interface Logger {
  debug(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
  child(fields: LogFields): Logger
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 }
const SECRET_KEY = /token|secret|password|authorization|api_?key|consumer_?key|signature|hmac/i
// "+" and 8–15 digits, possibly spaced: an E.164 or internationally written number.
const PHONE = /\+\d(?:[\s-]?\d){7,14}/g

function scrub(key: string, value: unknown): unknown {
  if (SECRET_KEY.test(key) && value !== undefined && value !== null && value !== '') return '[redacted]'
  if (typeof value === 'string') return value.replace(PHONE, (m) => `${m.slice(0, 4)}…`)
  if (value instanceof Error) return { name: value.name, message: scrub('message', value.message) }
  return value
}

export function createLogger(level: LogLevel, write: (line: string) => void = (line) => console.log(line), base: LogFields = {}): Logger {
  const writeRecord = (lvl: LogLevel, msg: string, fields?: LogFields) => {
    if (RANK[lvl] < RANK[level]) return
    const record = { t: new Date().toISOString(), level: lvl, msg, ...base, ...fields }
    write(JSON.stringify(record, scrub))
  }
  return {
    debug: (msg, fields) => writeRecord('debug', msg, fields),
    info: (msg, fields) => writeRecord('info', msg, fields),
    warn: (msg, fields) => writeRecord('warn', msg, fields),
    error: (msg, fields) => writeRecord('error', msg, fields),
    child: (fields) => createLogger(level, write, { ...base, ...fields }),
  }
}
