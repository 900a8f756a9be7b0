/**
 * Gives every reliability test file a directory for its counters and, when the
 * run ends, prints one summary line of what the suite did: faults injected at
 * the fake GitHub, webhook events delivered, fuzz cases run. Every property the
 * suite checks is an assertion: a run that reproduces a bug fails.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import type { Counts } from "./harness.js";

declare module "vitest" {
  export interface ProvidedContext {
    reliabilityCountsDir: string;
  }
}

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), "governance-gate-reliability-"));
  project.provide("reliabilityCountsDir", dir);
  const started = Date.now();
  return () => {
    const total: Counts = { faultsInjected: 0, eventsDelivered: 0, fuzzCases: 0, faultKinds: {} };
    const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
    for (const file of files) {
      const c = JSON.parse(readFileSync(join(dir, file), "utf8")) as Counts;
      total.faultsInjected += c.faultsInjected;
      total.eventsDelivered += c.eventsDelivered;
      total.fuzzCases += c.fuzzCases;
      for (const [kind, n] of Object.entries(c.faultKinds))
        total.faultKinds[kind] = (total.faultKinds[kind] ?? 0) + n;
    }
    rmSync(dir, { recursive: true, force: true });
    const kinds = Object.entries(total.faultKinds)
      .sort(([, a], [, b]) => b - a)
      .map(([kind, n]) => `${kind} ×${n}`)
      .join(", ");
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stdout.write(
      `\nreliability summary: ${total.faultsInjected} faults injected (${kinds || "none"}), ${total.eventsDelivered} webhook events delivered, ` +
        `${total.fuzzCases} fuzz cases; ${files.length} files in ${seconds} s\n`,
    );
  };
}
