import { abortAllDurableObjects } from "cloudflare:test";
import { afterAll, expect } from "vitest";
import { privacyLeaks } from "./sink";

// Runs after every test file, once its own hooks have closed its clients.
afterAll(async () => {
  try {
    // Nothing any test has caused so far may carry a secret to Sentry.
    expect(await privacyLeaks()).toEqual([]);
  } finally {
    // Session Durable Objects (and their SSE streams) would otherwise outlive the file and keep the
    // runner from exiting, failed scan or not.
    await abortAllDurableObjects();
  }
});
