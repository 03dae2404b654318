/**
 * What the benches read about the processes they load, from Linux's /proc, and where they let
 * those processes run.
 */
import { execSync } from 'node:child_process'
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'

/** CPU seconds (user + system) a process, or one of its threads, has used so far; clock ticks are 1/100 s. */
export function cpuSeconds(pid: number, thread?: number): number {
  const path = thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`
  // The command name can hold spaces; the fields after it cannot.
  const fields = readFileSync(path, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** A process's CPU seconds so far and its resident memory in bytes. */
export function usage(pid: number): { cpu: number; rss: number } {
  const rss = Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/)![1]) * 1024
  return { cpu: cpuSeconds(pid), rss }
}

/**
 * Lets the process (every thread it has, and each it starts later) run on that core only; says
 * why not when taskset is missing, and the run goes on unpinned.
 */
export function pin(pid: number, core: number, what: string): void {
  try {
    execSync(`taskset -a -cp ${core} ${pid}`, { stdio: 'ignore' })
  } catch {
    console.warn(`taskset is not available: ${what} is not pinned to core ${core}`)
  }
}

/** The loopback TCP ports a process listens on (its sockets' inodes, found in the table of IPv4 sockets). */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set(
    readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      try {
        return [readlinkSync(`/proc/${pid}/fd/${fd}`).match(/^socket:\[(\d+)\]$/)?.[1]].filter((i) => i !== undefined)
      } catch {
        return [] // Closed since the directory was read.
      }
    }),
  )
  // Each row: "sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …"; 0A is LISTEN.
  return readFileSync(`/proc/${pid}/net/tcp`, 'utf8')
    .split('\n')
    .slice(1)
    .map((row) => row.trim().split(/\s+/))
    .filter((f) => f[3] === '0A' && f[1]?.startsWith('0100007F:') && inodes.has(f[9]!))
    .map((f) => Number.parseInt(f[1]!.split(':')[1]!, 16))
}
