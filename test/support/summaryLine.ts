import type { Reporter, TestModule } from 'vitest/node'

/**
 * Ends the run with one plain line, "N passed, N failed, N skipped", that tools reading only the
 * last lines of a log (CI among them) can count without knowing vitest's own summary.
 */
export default class SummaryLine implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>) {
    const count = { passed: 0, failed: 0, skipped: 0 }
    for (const module of modules)
      for (const test of module.children.allTests()) {
        const state = test.result().state
        if (state === 'passed' || state === 'failed') count[state]++
        else count.skipped++
      }
    const failedModules = modules.filter((m) => m.state() === 'failed' && m.children.size === 0).length
    console.log(`\n${count.passed} passed, ${count.failed + failedModules} failed, ${count.skipped} skipped`)
  }
}
