import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * `npm run test:reliability`: faults at a fake GitHub against the real server,
 * duplicated/reordered/concurrent deliveries, and property-based fuzzing. Kept out
 * of the default `vitest run` (see vitest.config.ts) because it takes minutes.
 */
export default defineConfig({
  root: fileURLToPath(new URL("../..", import.meta.url)),
  test: {
    include: ["test/reliability/**/*.test.ts"],
    environment: "node",
    globalSetup: ["test/reliability/global-setup.ts"],
    // Most of the time is spent waiting on retry back-off, not on the CPU.
    maxWorkers: 4,
    maxConcurrency: 8,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
