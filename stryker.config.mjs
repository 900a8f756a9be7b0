// @ts-check
/**
 * `npm run test:mutation`: StrykerJS mutates the decision engine (src/evaluate) and
 * the code that turns a decision into a check run (src/github/apply.ts), and runs
 * the tests of test/mutation/vitest.config.ts against each mutant. A surviving
 * mutant is a change to the gate no test notices; one that lets a check pass where
 * it should fail is a fail-open (docs/mutation-testing.md). Not part of .ci/run: the
 * full scope takes hours on this two-core machine.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  mutate: ["src/evaluate/**/*.ts", "src/github/apply.ts"],
  testRunner: "vitest",
  vitest: {
    configFile: "test/mutation/vitest.config.ts",
  },
  // Each mutant runs only the tests that executed its code in the initial run.
  coverageAnalysis: "perTest",
  // One test-runner process: the machine has two cores shared with other work, and
  // each runner is a whole vitest instance.
  concurrency: 1,
  // A loaded machine makes slow tests look like infinite loops, and Stryker counts
  // a timeout as a kill: generous limits keep a survivor from hiding as a timeout.
  timeoutFactor: 2,
  timeoutMS: 15_000,
  dryRunTimeoutMinutes: 15,
  // Reruns test only mutants whose code or covering tests changed since the last run.
  incremental: true,
  incrementalFile: "reports/stryker-incremental.json",
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  // The survivors are what matter; the per-test listing would bury them.
  clearTextReporter: { reportTests: false, logTests: false },
  tempDirName: ".stryker-tmp",
  // Stryker's default puts a \`// @ts-nocheck\` line on top of every .ts file under test/,
  // fixtures included: the TypeScript contract fixtures then report their syntax errors
  // one line lower and the initial test run fails. Vitest does not type-check, so
  // nothing needs it.
  disableTypeChecks: false,
  // Stryker copies the project into the sandbox; build output and scratch files
  // are not needed by any test it runs.
  ignorePatterns: ["/dist", "/coverage", "/scratch", "/bench/results"],
};
