/**
 * The load benchmark's fake GitHub, in a process of its own so that it does not
 * share an event loop with the load generator (or a CPU with the app server,
 * when pinned with taskset).
 *
 *   node --import tsx bench/lib/fake-github-process.ts <world.json>
 *
 * Prints one line, `{"host":"127.0.0.1:<port>"}`, once it listens; exits when
 * its standard input closes (its parent went away).
 */
import { readFileSync } from "node:fs";
import { FakeGitHub, type WorldSpec } from "./fake-github.js";

const world = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as WorldSpec;
const fake = await FakeGitHub.start(world, { keepLog: false });
process.stdout.write(`${JSON.stringify({ host: fake.host })}\n`);
process.stdin.resume();
process.stdin.on("end", () => {
  void fake.close().then(() => process.exit(0));
});
process.on("SIGTERM", () => {
  void fake.close().then(() => process.exit(0));
});
