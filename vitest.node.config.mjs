import { defineConfig } from "vitest/config";
import { SummaryReporter } from "./test/summary-reporter";

// Tests that need Node itself rather than workerd: they build the Worker, run sentry-cli and start their
// own workerd. `npm test` runs them after the Workers suite (vitest.config.ts).
export default defineConfig({
  test: {
    include: ["test/node/**/*.test.mjs"],
    environment: "node",
    fileParallelism: false,
    reporters: ["default", new SummaryReporter()],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
