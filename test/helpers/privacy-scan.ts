import { afterAll, expect } from "vitest";
import { privacyLeaks } from "./sink";

// Runs after every test file: nothing any test has caused so far may carry a secret to Sentry.
afterAll(async () => {
  expect(await privacyLeaks()).toEqual([]);
});
