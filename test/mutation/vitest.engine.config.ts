import { defineConfig } from "vitest/config";
import scope from "./vitest.config.js";

/**
 * The quick mutation run over the pure engine (`stryker.engine.config.mjs`): only the
 * tests that call `evaluate` without a GitHub double (test/evaluate, test/presets). A
 * module every evaluation uses (membership, requirements, evaluate itself) is covered
 * by nearly every test of the full scope, and the app tests there take most of each
 * mutant's time; a mutant in src/evaluate that only an app test kills is worth knowing,
 * and the full run (`npm run test:mutation`) still finds it.
 */
export default defineConfig({
  ...scope,
  test: { ...scope.test, include: ["test/evaluate/**/*.test.ts", "test/presets/**/*.test.ts"] },
});
