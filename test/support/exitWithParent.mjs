/**
 * `node --import ./test/support/exitWithParent.mjs …`: the process dies when the one that started
 * it does. Its stdin is a pipe from that parent, which closes when the parent exits, however it
 * exits (a test run killed with kill -9 too), so no callconfirm is left running after a suite.
 */
process.stdin.on('end', () => process.kill(process.pid, 'SIGKILL'))
process.stdin.resume()
// The pipe is only watched: it never keeps the process alive by itself.
process.stdin.unref()
