import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import base from "../../vitest.config.js";

/**
 * The tests `npm run test:mutation` (stryker.config.mjs) runs against each mutant
 * of src/evaluate and src/github/apply.ts: the pure engine's own tests, the presets
 * (whole policies evaluated end to end), and the tests whose subject is in that
 * scope — the app tests that drive a webhook through gather → evaluate → apply, the
 * reply markers apply.ts writes, the merge-queue check, and the policy files that
 * evaluate treats as governance. Only these, because each static mutant runs every
 * test listed here and this machine has two cores. Tests that use evaluate only to
 * set up something else (notify, sweep, render) stay out; a test that would kill a
 * mutant in scope belongs here (docs/mutation-testing.md).
 */
export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    // Same environment and timeouts as the default suite, so a test means the same here.
    ...base.test,
    // Stryker's initial run shares the machine with other work, and a test's first GitHub
    // mock loads the OpenAPI description it validates against: at load 10 that alone took
    // the merge-queue test past 20 s. Mutants have Stryker's own timeouts.
    testTimeout: 60_000,
    include: [
      "test/evaluate/**/*.test.ts",
      "test/presets/**/*.test.ts",
      "test/github/answers.test.ts",
      "test/github/app.test.ts",
      "test/github/check-runs.test.ts",
      "test/github/head-arrival.test.ts",
      "test/github/one-commit-many-pulls.test.ts",
      "test/github/markers.test.ts",
      "test/github/merge-queue.test.ts",
      "test/github/our-run.test.ts",
      "test/github/request-reviewers.test.ts",
      "test/policy/policy-files.test.ts",
    ],
  },
});
