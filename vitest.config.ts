import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The reliability suite has its own config and script (npm run test:reliability).
    exclude: [...configDefaults.exclude, "test/reliability/**"],
    environment: "node",
    // Tests must never reach the network; nock's disableNetConnect is set per suite
    // that talks HTTP, and everything else is pure.
    testTimeout: 20_000,
  },
});
