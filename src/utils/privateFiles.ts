import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs'

/**
 * Files that hold customers' data or the service's secrets (the database, the sandbox's
 * secrets) are for the service's own user alone. Node-only: the Workers runtime has no files.
 */

/** Read and written by the owner only. */
export const PRIVATE_FILE_MODE = 0o600
/** Entered and listed by the owner only. */
export const PRIVATE_DIRECTORY_MODE = 0o700

/**
 * Creates a directory (and any missing parents) that only its owner can enter. One that exists
 * already is left as the operator set it up: the files inside are what must be private.
 *
 * @example
 * makePrivateDirectory('./data')
 */
export function makePrivateDirectory(path: string): void {
  mkdirSync(path, { recursive: true, mode: PRIVATE_DIRECTORY_MODE })
}

/**
 * Makes a file readable by its owner only: created empty if it is missing (so whatever writes it
 * next never opens it wider), tightened if it exists.
 *
 * @example
 * makePrivateFile('./data/callconfirm.db') // then open it with better-sqlite3
 */
export function makePrivateFile(path: string): void {
  closeSync(openSync(path, 'a', PRIVATE_FILE_MODE))
  chmodSync(path, PRIVATE_FILE_MODE)
}

/** Tightens a file to owner-only if it exists (a journal left by an earlier run, say). */
export function tightenIfPresent(path: string): void {
  if (existsSync(path)) chmodSync(path, PRIVATE_FILE_MODE)
}
