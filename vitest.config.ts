import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    // Tests must never reach the network; nock's disableNetConnect is set per suite
    // that talks HTTP, and everything else is pure.
    testTimeout: 20_000,
  },
});
