import type { Reporter, TestModule } from "vitest/node";

type UnhandledErrors = Parameters<NonNullable<Reporter["onTestRunEnd"]>>[1];

/**
 * Ends every run with one plain line, `N passed, N failed, N skipped`, which CI logs and people
 * read the same way whatever the default reporter's styling. A file that failed outside its tests
 * (a hook such as the privacy scan after every file, or a load error) counts as one failure, and so
 * does each unhandled error: a run vitest calls failed never reads "0 failed".
 */
export class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: UnhandledErrors): void {
    const counts = { passed: 0, failed: unhandledErrors.length, skipped: 0 };
    for (const module of testModules) {
      let failedTests = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") counts.passed++;
        else if (state === "failed") failedTests++;
        else counts.skipped++;
      }
      counts.failed += failedTests;
      if (failedTests === 0 && module.state() === "failed") counts.failed++;
    }
    console.log(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  }
}
