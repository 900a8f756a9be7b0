// @ts-check
/**
 * `npx stryker run stryker.engine.config.mjs --mutate <file>`: the full run's settings
 * (stryker.config.mjs) with only the pure engine's tests (test/mutation/vitest.engine.config.ts),
 * for src/evaluate files every evaluation runs. See docs/mutation-testing.md.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
import full from "./stryker.config.mjs";

export default {
  ...full,
  mutate: ["src/evaluate/**/*.ts"],
  vitest: { configFile: "test/mutation/vitest.engine.config.ts" },
  incrementalFile: "reports/stryker-incremental-engine.json",
};
