/**
 * `node --import ./src/sandbox/exitGroupWithParent.mjs …`, in a process started as the leader of
 * its own process group (wranglerDev.ts): when the parent that started it dies, however it dies,
 * the whole group is killed, children included (wrangler dev's workerd), so nothing is left
 * running after a suite or a dev session.
 */
process.stdin.on('end', () => process.kill(-process.pid, 'SIGKILL'))
process.stdin.resume()
process.stdin.unref()
