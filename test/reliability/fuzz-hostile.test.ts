/**
 * Hostile pull requests through the real app (issue 10): the author controls a
 * pull request's title, body, labels, comments, file contents and any policy it
 * proposes, so each of them is generated here — seeded (pure-rand, see
 * test/helpers/random.ts), at the sizes and shapes that used to stall or crash
 * the app — and delivered as webhooks to the real server (a child process, as
 * in production) against the stateful fake GitHub:
 *
 * - titles and bodies of 64 KB and more: runs of capitals for the ticket
 *   pattern (ReDoS), floods of `"`, nested quotes and fences, forged
 *   `<!-- governance-gate:… -->` markers, Slack control sequences (`<!channel>`);
 * - comments of 64 KB whose sign-off commands are all hidden (fenced, quoted,
 *   in an HTML comment, indented, behind an invisible character), and comments
 *   forging the app's reply markers;
 * - label sets: a hundred labels, long names, unicode look-alikes of the
 *   labels that raise the level;
 * - proposed policies changing `.github/governance.yml`: brace-expansion bombs,
 *   1 MB of `"`, 30,000 areas, alias bombs, huge keys, misspelt references;
 * - file contents: a 100 KB single line through the route detector, 100 KB of
 *   `"` in a YAML manifest, 100 KB of Terraform, 60 KB of SQL with unterminated
 *   strings, and two 60 KB files at once.
 *
 * Every case rides on the migration pull request (level 3: dba-lead, backend-lead
 * and sre-lead must sign), under a policy that also requires a ticket key, so the
 * ticket scan runs. Asserted, always:
 * - the app answers every delivery and judges it (no handler error, no "could not
 *   be evaluated");
 * - before the three leads approve, no check-run write is a success: nothing
 *   hostile signs anything; after they approve, the check says what one clean
 *   evaluation of the final state says (harness.ts `oracle`);
 * - no forged marker is honoured: a forged reply marker does not stop the app
 *   answering a command, every comment the app writes carries exactly one marker,
 *   its own, on its last line, and every check summary starts with the app's own
 *   state line and carries no other;
 * - the server runs with the Deployment's memory limit as its heap ceiling
 *   (`--max-old-space-size`, from deploy/kubernetes/deployment.yaml) and never
 *   dies: it is the same process, still answering /ping, at the end.
 *
 * Time is reported, never asserted: per delivery, the time to the server's answer
 * (Probot answers once the handler is done, so this includes the app's GitHub
 * calls and the write throttle's spacing) and the server's CPU time, median and
 * max, per kind of input; `npm run bench` (bench/hostile.bench.ts) measures the
 * app's own work per hostile input.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readHeadState } from "../../src/github/check-state.js";
import { MARKER_PREFIX } from "../../src/render/markers.js";
import { APP_BOT_LOGIN } from "../github-support/fake-github/views.js";
import type { FakePullFile } from "../e2e/fake-github.js";
import {
  AUTHOR,
  counters,
  latestRun,
  migrationChange,
  oracle,
  POLICY,
  PR_NUMBER,
  prng,
  ROOT,
  settle,
  sha,
  verdictOf,
  writesOn,
  type World,
  startWorld,
} from "./harness.js";

const counts = counters("fuzz-hostile");
afterAll(() => counts.save());

const SEED = Number(process.env.RELIABILITY_HOSTILE_SEED ?? 0x10_4057);
const POLICY_PATH = ".github/governance.yml";

/** The Deployment's memory limit, which the server gets as its heap ceiling. */
const HEAP_MB = (() => {
  const deployment = readFileSync(`${ROOT}/deploy/kubernetes/deployment.yaml`, "utf8");
  const limit = /limits:\s*\n(?:\s+cpu:.*\n)?\s+memory:\s*(\d+)Mi/.exec(deployment)?.[1];
  if (!limit) throw new Error("no memory limit in deploy/kubernetes/deployment.yaml");
  return Number(limit);
})();

/** The suite's policy, with a ticket required on the migration's area: every case runs the ticket scan. */
const BASE_POLICY = `${POLICY}areas:
  prisma:
    ticket: true
ticket:
  pattern: "[A-Z][A-Z0-9]+-\\\\d+"
`;
const TICKET = "CHAT-1042";
/** GitHub's limit on a body or comment, in characters. */
const BODY_LIMIT = 65_536;
const LEADS = ["dan", "bea", "sam"] as const;

// --- seeded generation ---------------------------------------------------------------

const random = prng(SEED);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
const chance = (p: number) => random() < p;
/** The first `length` code units, without a dangling half of a surrogate pair (GitHub sends UTF-8: there are none). */
const cut = (text: string, length: number) =>
  text.slice(0, /[\ud800-\udbff]/.test(text[length - 1] ?? "") ? length - 1 : length);
const repeatTo = (unit: string, length: number) =>
  cut(unit.repeat(Math.ceil(length / unit.length)), length);

const FORGED = [
  `${MARKER_PREFIX}state {"prs":{"${PR_NUMBER}":{"conclusion":"success","arrivedAt":"1970-01-01T00:00:00Z"}}} -->`,
  `${MARKER_PREFIX}reply-to:1001 -->`,
  `${MARKER_PREFIX}escalation requirement=prisma/migration-destructive step=2 head=${"f".repeat(40)} -->`,
  `${MARKER_PREFIX}review-of acme/chat#${PR_NUMBER} due=2999-01-01T00:00:00.000Z escalate= -->`,
  `${MARKER_PREFIX}informed -->`,
  `${MARKER_PREFIX}post-implementation-review -->`,
];
const SLACK = [
  "<!channel>",
  "<!here>",
  "<!everyone>",
  "<https://evil.example|✅ signed off by security-lead>",
  "<@U024BE7LH>",
  "&lt;!channel&gt;",
];
const UNICODE = [
  "\u202eevil\u202c",
  "\u200b",
  "\ufeff",
  "🚀",
  "e\u0301\u0301\u0301",
  "ﷺ",
  "𝕬𝖗𝖈𝖍",
  "İı",
  "\u00a0",
  "ß",
];
const COMMANDS = [
  "/approve-level3",
  "/approve-level4",
  "/approve-level3 cancel",
  "/emergency the outage <!-- governance-gate:review-of x due=2999-01-01 -->",
  "/governance explain",
];

/**
 * About `length` characters a reader sees as plain paragraphs: no part opens a
 * block that could hide or reveal what follows (a part that would not fit is
 * replaced by quotes rather than cut, since a cut marker is an unclosed block).
 */
function filler(length: number): string {
  const parts: string[] = [];
  let size = 0;
  while (size < length) {
    let part = pick([
      () => '"'.repeat(1 + int(4000)),
      () =>
        `${pick(["We", "This", "Note", "Why"])} ${Array.from({ length: 1 + int(40) }, () => pick(["the", "column", "is", "unused", "avatar", "'", '"', "\\", "{", "}", "(", "$", "`x`", ...UNICODE])).join(" ")}`,
      () => pick(FORGED),
      () => pick(SLACK),
      () => `${pick(["A", "Z", "Q"])}${repeatTo(pick(["A", "AB", "A1", "ZZ9"]), 1 + int(8000))}`,
      () => `x${pick(UNICODE).repeat(1 + int(500))}`,
    ])();
    if (size + part.length > length) part = '"'.repeat(Math.max(1, length - size));
    parts.push(part);
    size += part.length + 2;
  }
  return parts.join("\n\n");
}

/** A title or body: every shape the app reads it with (ticket scan, command parser, renderers, chat). */
function hostileText(length: number, oneLine: boolean): string {
  const parts: string[] = [];
  let size = 0;
  while (size < length) {
    const part = pick([
      () => filler(1 + int(6000)),
      () => repeatTo(pick(["A", "AB", "A1", "AAAA-", "A-A-"]), 1 + int(20_000)),
      () => `${"> ".repeat(1 + int(200))}${pick(COMMANDS)}`,
      () => `${"`".repeat(3 + int(5))}\n${pick(COMMANDS)}\n${"`".repeat(3 + int(2))}`,
      () => `${"<!--".repeat(1 + int(100))}${pick(FORGED)}`,
      () => pick(COMMANDS),
    ])();
    parts.push(part);
    size += part.length + 1;
  }
  const text = cut(parts.join("\n"), length);
  return oneLine ? text.replace(/[\r\n]+/g, " ") : text;
}

/**
 * A sign-off command no reader sees as the commenter's own line, by the README's
 * rules: in a fence, a quote (nested, or a lazy continuation), an HTML comment,
 * an indented code block, a code span, or behind an invisible character.
 */
function hiddenCommand(): string {
  const command = pick([
    "/approve-level3",
    "/approve-level4",
    "/approve-level3 <!-- governance-gate:reply-to:1 -->",
  ]);
  return pick([
    () => `\`\`\`\n${command}\n\`\`\``,
    () => `~~~~ sh\n${command}\n~~~~`,
    () => `> ${command}`,
    () => `${"> ".repeat(2 + int(20))}${command}`,
    () => `> ${filler(1 + int(200)).replace(/\n+/g, " ")}\n${command}`,
    () => `<!--\n${command}\n-->`,
    () => `    ${command}`,
    () => `> \`\`\`\n> ${command}\n> \`\`\``,
    () => `\`${command}\``,
    () => `\u200b${command}`,
  ])();
}

/** A 64 KB comment of filler and hidden commands (GitHub's limit). */
function hiddenCommandsComment(): string {
  const blocks: string[] = [];
  let size = 0;
  while (size < BODY_LIMIT - 8000) {
    const block = chance(0.5) ? hiddenCommand() : filler(1 + int(3000));
    blocks.push(block);
    size += block.length + 2;
  }
  const text = blocks.join("\n\n");
  // Padded to the limit with one more paragraph of quotes.
  return `${text}\n\n${'"'.repeat(Math.max(1, BODY_LIMIT - text.length - 2))}`;
}

/** Up to 50 characters, as GitHub allows a label name. */
function labelName(): string {
  return pick([
    () =>
      `l${Array.from({ length: int(30) }, () => pick(["a", "Z", "-", " ", "é", "ß", ...UNICODE])).join("")}`.slice(
        0,
        50,
      ),
    () => pick(["architecture", "breaking-change", "compliance", "db"]).replace(/a/g, "а"), // Cyrillic а
    () =>
      pick([
        "ARCHITECTURE",
        "Breaking-Change",
        " architecture",
        "architecture\u200b",
        "architecture ",
      ]),
    () => repeatTo(pick(["🚀", "x", "<!channel>", "\u202e"]), 50),
  ])();
}

// --- proposed policies ------------------------------------------------------------------

const BINDINGS = "extends: chat-backend\nroles:\n  backend-lead: { users: [bea] }\n";

function braceBomb(): string {
  const letters = () =>
    `{${"abcdefghij"
      .split("")
      .slice(0, 8 + int(3))
      .join(",")}}`;
  const bomb = (root: string) =>
    `${root}/${Array.from({ length: 5 }, () => `{a..${pick(["h", "i", "j"])}}`).join("")}/${letters()}${letters()}/**`;
  return `${BINDINGS}areas:
  bombs:
    paths:
      - "${bomb("src")}"
      - "${bomb("lib")}"
      - "${bomb("app")}"
    accountable: backend-lead
rules:
  bomb-rule:
    when: { paths: ["${bomb("api")}"] }
    level: 2
`;
}

const PROPOSED_POLICIES: Record<string, () => string> = {
  "brace bombs": braceBomb,
  "1 MB of quotes": () => '"'.repeat(1024 * 1024 + int(1024)),
  "30,000 areas": () =>
    `${BINDINGS}areas:\n${Array.from({ length: 30_000 + int(100) }, (_, i) => `  a${i}: { paths: ["a${i}/**"], accountable: backend-lead }\n`).join("")}`,
  "alias bomb": () => {
    const lines = [
      BINDINGS.trimEnd(),
      `laughs0: &l0 [${Array.from({ length: 10 }, () => '"lol"').join(", ")}]`,
    ];
    for (let i = 1; i < 12; i++)
      lines.push(
        `laughs${i}: &l${i} [${Array.from({ length: 10 }, () => `*l${i - 1}`).join(", ")}]`,
      );
    lines.push(
      "areas:",
      '  docs: &area { paths: ["docs/**"], accountable: backend-lead }',
      ...Array.from({ length: 500 }, (_, i) => `  copy${i}: *area`),
    );
    return `${lines.join("\n")}\n`;
  },
  // An explicit key (`? …`) may be any length; an implicit one at most 1,024 characters. Under the size cap either way.
  "huge keys": () => {
    const key = repeatTo(pick(["k", "é", "🚀", "a-"]), 16_000);
    return `${BINDINGS}areas:\n  ? ${JSON.stringify(key)}\n  : { paths: ["x/**"], accountable: ${cut(key, 10_000)} }\n  ${JSON.stringify(cut(key, 1_000))}: { paths: ["y/**"], accountable: backend-lead }\n`;
  },
  // Just under the size cap (about 60 KB), so that every reference is checked and "did you mean" runs.
  "misspelt references": () => {
    const n = 270 + int(20);
    const roles = Array.from(
      { length: n },
      (_, i) => `  platform-engineering-on-call-rotation-${i}: { users: [u${i}] }\n`,
    ).join("");
    const areas = Array.from(
      { length: n },
      (_, i) =>
        `  a${i}: { paths: ["a${i}/**"], accountable: platform-engineering-on-call-rotaton-${i}, responsible: [platform-engineering-on-call-rotatio-${i}] }\n`,
    ).join("");
    return `roles:\n${roles}areas:\n${areas}`;
  },
};

// --- file contents ----------------------------------------------------------------------

function singleLineRoutes(length: number): string {
  const pieces = [
    "router.get(",
    'app.post("',
    '"/',
    "/:id",
    "'",
    "`",
    "(",
    " ",
    "@Get(",
    "a",
    "\\",
    "${",
  ];
  let line = "";
  while (line.length < length) line += pick(pieces);
  return line.slice(0, length);
}

function terraform(length: number): string {
  const pieces = [
    () =>
      `resource "aws_instance" "i${int(1000)}" {\n  instance_type = "${pick(["t3.micro", "m5.24xlarge"])}"\n  count = ${int(100)}\n`,
    () => "{".repeat(1 + int(200)),
    () => '"'.repeat(1 + int(2000)),
    () => `  tags = { Name = "\${${"var.x".repeat(1 + int(50))}" }\n`,
    () => `  user_data = <<EOF\n${filler(1 + int(2000))}\n`,
    () => "/* ".repeat(1 + int(100)),
    () => "}\n",
  ];
  let text = "";
  while (text.length < length) text += pick(pieces)();
  return text.slice(0, length);
}

function sqlUnterminated(length: number): string {
  const pieces = [
    () => `INSERT INTO audit_log (id, note) VALUES (${int(1e6)}, '${"it''s ".repeat(1 + int(100))}`,
    () => "$$".repeat(1 + int(50)),
    () => `DO $body$ BEGIN EXECUTE 'ALTER TABLE "User" DROP COLUMN "email"`,
    () => "/* ".repeat(1 + int(100)),
    () => `E'${"\\'".repeat(1 + int(500))}`,
    () => "-- ".repeat(1 + int(20)),
    () => `"${"x".repeat(int(2000))}`,
    () => ";\n",
  ];
  let text = "";
  while (text.length < length) text += pick(pieces)();
  return text.slice(0, length);
}

function manifestOfQuotes(length: number): string {
  return `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: chat\nspec:\n  replicas: ${'"'.repeat(length)}\n`;
}

// --- cases -----------------------------------------------------------------------------

type Category = "title/body" | "comments" | "labels" | "policy" | "content";

interface HostileCase {
  name: string;
  category: Category;
  title: string;
  body: string;
  /** Files besides the migration's, and their head contents. */
  files?: FakePullFile[];
  blobs?: Record<string, string>;
  /** The head's `.github/governance.yml`, when the pull request changes it. */
  proposedPolicy?: string;
  /** What happens on GitHub after the pull request is opened, one delivery at a time, before anyone approves. */
  during?: (world: World, check: Checks) => Promise<void>;
}

/** What a case's `during` must see hold once everything settled. */
interface Checks {
  /** Comment ids the app must answer with a reply (a command that did not count, `/governance`). */
  mustReply: number[];
}

function addedFile(path: string, text: string): { file: FakePullFile; text: string } {
  const lines = text.split("\n");
  return {
    file: {
      filename: path,
      status: "added",
      patch: `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join("\n")}`,
    },
    text,
  };
}

/** A long title is past GitHub's 256 characters: the app must not depend on GitHub's limit. */
function titleFor(withTicket: boolean, long: boolean): string {
  const text = hostileText(long ? BODY_LIMIT + int(4096) : 200 + int(56), true);
  return withTicket ? `${TICKET} ${text}` : text;
}

function cases(): HostileCase[] {
  const out: HostileCase[] = [];
  for (let i = 0; i < 4; i++) {
    out.push({
      name: `title and body #${i + 1}`,
      category: "title/body",
      // Half carry a ticket key, so that once signed they can pass; the others need one.
      title: titleFor(i % 2 === 0, i < 2),
      body: hostileText(BODY_LIMIT + (i < 2 ? int(8192) : 0), false),
      async during(world) {
        const from = world.github.seed.pull.body;
        world.github.seed.pull.body = hostileText(BODY_LIMIT, false);
        await deliver(
          world,
          "title/body",
          world.events.pullRequest("edited", { changes: { body: { from } } }),
        );
      },
    });
  }
  for (let i = 0; i < 2; i++) {
    out.push({
      name: `hidden commands and forged markers in comments #${i + 1}`,
      category: "comments",
      title: `${TICKET} Drop User.avatarUrl`,
      body: "Avatars moved to the media service.",
      async during(world, check) {
        const { github, events } = world;
        // The leads' 64 KB comments: every command in them is hidden, so none signs.
        for (const lead of LEADS)
          await deliver(
            world,
            "comments",
            events.comment(github.addComment(lead, hiddenCommandsComment())),
          );
        // The author's command never counts: the app must answer it, whatever markers others forge for it.
        const own = github.addComment(AUTHOR, "/approve-level3");
        const marker = `${MARKER_PREFIX}reply-to:${String(own.id)} -->`;
        await deliver(
          world,
          "comments",
          events.comment(github.addComment("bob", `${filler(2000)}\n\n${marker}`)),
        );
        github.addComment("mallory-app[bot]", `Answered.\n\n${marker}`);
        await deliver(world, "comments", events.comment(own));
        check.mustReply.push(own.id as number);
        // `/governance` with a forged marker as its argument: answered, the argument quoted inert.
        const asked = github.addComment("bob", `/governance ${pick(FORGED)}`);
        await deliver(world, "comments", events.comment(asked));
        check.mustReply.push(asked.id as number);
      },
    });
  }
  for (let i = 0; i < 2; i++) {
    out.push({
      name: `label sets #${i + 1}`,
      category: "labels",
      title: `${TICKET} Drop User.avatarUrl`,
      body: hostileText(2000, false),
      async during(world) {
        const { github, events } = world;
        const names = [...new Set(Array.from({ length: 100 }, () => cut(labelName(), 50)))];
        // The labels arrive in a few bursts, each delivery showing the labels as they are then.
        for (const n of [10, 40, 100]) {
          github.labels = names.slice(0, n);
          await deliver(
            world,
            "labels",
            events.labeled(names[n - 1]!, pick(["octocat", "bea", "bob"])),
          );
        }
        github.labels = names.slice(1);
        await deliver(world, "labels", events.unlabeled(names[0]!, "bob"));
      },
    });
  }
  for (const [name, make] of Object.entries(PROPOSED_POLICIES)) {
    out.push({
      name: `proposed policy: ${name}`,
      category: "policy",
      title: `${TICKET} Amend governance`,
      body: "Policy change.",
      proposedPolicy: make(),
    });
  }
  const contents: [string, () => { file: FakePullFile; text: string }[]][] = [
    [
      "a 100 KB line through the route detector",
      () => [
        addedFile(`src/routes/hostile-${int(1000)}.ts`, singleLineRoutes(100 * 1024 + int(1024))),
      ],
    ],
    [
      "100 KB of quotes in a YAML manifest",
      () => [
        addedFile(`deploy/k8s/hostile-${int(1000)}.yaml`, manifestOfQuotes(100 * 1024 + int(1024))),
      ],
    ],
    [
      "100 KB of Terraform",
      () => [addedFile(`infra/hostile-${int(1000)}.tf`, terraform(100 * 1024 + int(1024)))],
    ],
    [
      "60 KB of SQL with unterminated strings",
      () => [
        addedFile(
          `prisma/migrations/20261201000000_hostile_${int(1000)}/migration.sql`,
          sqlUnterminated(60 * 1024 + int(1024)),
        ),
      ],
    ],
    [
      "two 60 KB files",
      () => [
        addedFile(
          "prisma/migrations/20261202000000_twin/migration.sql",
          sqlUnterminated(60 * 1024),
        ),
        addedFile("infra/twin.tf", terraform(60 * 1024)),
      ],
    ],
  ];
  for (const [name, make] of contents) {
    const made = make();
    out.push({
      name: `file contents: ${name}`,
      category: "content",
      title: `${TICKET} Drop User.avatarUrl`,
      body: "Avatars moved to the media service.",
      files: made.map((m) => m.file),
      blobs: Object.fromEntries(made.map((m) => [m.file.filename, m.text])),
      async during(world) {
        // A re-run reads the same head again: cached or not, it must be as bounded as the first.
        await deliver(world, "content", world.events.checkRunRerequested());
      },
    });
  }
  return out;
}

// --- delivery, timing and the server's health ---------------------------------------------

interface Timing {
  category: Category;
  wallMs: number;
  status: number;
}
const timings: Timing[] = [];
/** Server CPU per delivery, per settled group (a group's CPU split evenly among its deliveries). */
const cpuPerEvent: { category: Category; ms: number }[] = [];
/** How much the server's peak resident memory rose during each case. */
const rssRise: { name: string; from: number; to: number }[] = [];
/** Every delivery's id and status, for the "answers every event" assertion. */
const delivered: { id: string; status: number; what: string }[] = [];

/** The server's user + system CPU time (Linux /proc; undefined elsewhere), ms. */
function serverCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** The server's peak resident memory (VmHWM), MiB. */
function serverPeakRssMiB(pid: number): number | undefined {
  try {
    const kb = /VmHWM:\s*(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/** Deliveries sent together, each timed to its answer; resolves once all are handled and GitHub is quiet. */
async function deliverAll(
  world: World,
  category: Category,
  events: { name: string; payload: Record<string, unknown> }[],
): Promise<void> {
  const pid = world.server.child.pid!;
  const cpuBefore = serverCpuMs(pid);
  const sent = await Promise.all(
    events.map(async (e) => {
      const started = performance.now();
      const result = await world.server.deliver(e.name, e.payload);
      timings.push({ category, wallMs: performance.now() - started, status: result.status });
      delivered.push({ ...result, what: `${e.name}.${String(e.payload.action)}` });
      return result;
    }),
  );
  counts.eventsDelivered += sent.length;
  await settle(
    world,
    sent.map((s) => s.id),
    { timeoutMs: 90_000 },
  );
  const cpuAfter = serverCpuMs(pid);
  if (cpuBefore !== undefined && cpuAfter !== undefined)
    cpuPerEvent.push(...sent.map(() => ({ category, ms: (cpuAfter - cpuBefore) / sent.length })));
}

function deliver(
  world: World,
  category: Category,
  event: { name: string; payload: Record<string, unknown> },
): Promise<void> {
  return deliverAll(world, category, [event]);
}

function stats(samples: number[]): { median: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    median: sorted.length === 0 ? NaN : sorted[(sorted.length - 1) >> 1]!,
    max: sorted.at(-1) ?? NaN,
  };
}

// --- the run ---------------------------------------------------------------------------------

describe(`hostile pull requests through the real app (seed ${SEED}), heap ceiling ${HEAP_MB} MB`, () => {
  let world: World;
  let pid = 0;

  beforeAll(async () => {
    world = await startWorld(`hostile ${SEED}`, { nodeArgs: [`--max-old-space-size=${HEAP_MB}`] });
    pid = world.server.child.pid!;
  });

  afterAll(async () => {
    const all = stats(timings.map((t) => t.wallMs));
    const cpu = stats(cpuPerEvent.map((c) => c.ms));
    const peak = pid ? serverPeakRssMiB(pid) : undefined;
    const rises = rssRise
      .filter((r) => r.to - r.from >= 32)
      .map((r) => `"${r.name}" ${r.from.toFixed(0)} → ${r.to.toFixed(0)}`);
    const rss = `server peak RSS ${peak === undefined ? "?" : peak.toFixed(0)} MiB (${rssRise[0]?.from.toFixed(0) ?? "?"} before the first case; rose during ${rises.join(", ") || "no case by 32 MiB or more"})`;
    const categories = [...new Set(timings.map((t) => t.category))].map((c) => {
      const wall = stats(timings.filter((t) => t.category === c).map((t) => t.wallMs));
      const used = stats(cpuPerEvent.filter((x) => x.category === c).map((x) => x.ms));
      return `${c} ${wall.median.toFixed(0)}/${wall.max.toFixed(0)} ms (CPU ${used.median.toFixed(0)}/${used.max.toFixed(0)})`;
    });
    const late = timings.filter((t) => t.status === 202).length;
    process.stdout.write(
      `\nhostile-input summary (seed ${SEED}): ${timings.length} deliveries; time to answer median ${all.median.toFixed(0)} ms, max ${all.max.toFixed(0)} ms` +
        `${late ? ` (${late} answered 202 after Probot's 9 s)` : ""}; server CPU per delivery median ${cpu.median.toFixed(0)} ms, max ${cpu.max.toFixed(0)} ms; ` +
        `${rss} with --max-old-space-size=${HEAP_MB}; by kind (median/max): ${categories.join("; ")} — reported, not asserted\n`,
    );
    await world?.close();
  });

  for (const hostile of cases()) {
    it(`${hostile.category}: ${hostile.name}`, async () => {
      const { github, server } = world;
      counts.fuzzCases++;
      const head = sha(`hostile ${SEED} ${hostile.name}: head`);
      const base = sha(`hostile ${SEED} ${hostile.name}: base`);
      const change = migrationChange(head, base);
      const files = [...change.files, ...(hostile.files ?? [])];
      const blobs: Record<string, string> = {
        ...change.blobs,
        [`${base}:${POLICY_PATH}`]: BASE_POLICY,
        [`${head}:${POLICY_PATH}`]: hostile.proposedPolicy ?? BASE_POLICY,
      };
      for (const [path, text] of Object.entries(hostile.blobs ?? {}))
        blobs[`${head}:${path}`] = text;
      if (hostile.proposedPolicy !== undefined) {
        // GitHub leaves the patch out of a diff this large; the app reads the file itself.
        files.push({
          filename: POLICY_PATH,
          status: "modified",
          ...(hostile.proposedPolicy.length < 64 * 1024
            ? {
                patch: `@@ -1,1 +1,1 @@\n-${BASE_POLICY.split("\n")[0]}\n+${hostile.proposedPolicy.split("\n")[0]}`,
              }
            : {}),
        });
      }
      github.nextHead({ headSha: head, baseSha: base, files, blobs });
      github.seed.pull.title = hostile.title;
      github.seed.pull.body = hostile.body;
      const firstDelivery = delivered.length;
      const rssBefore = serverPeakRssMiB(server.child.pid!);

      // Opened, then whatever the case does, one delivery at a time: nobody has approved.
      await deliver(world, hostile.category, world.events.pullRequest("opened"));
      const check: Checks = { mustReply: [] };
      await hostile.during?.(world, check);
      const unsigned = writesOn(github, head);
      expect(unsigned.length, "the app wrote the check before anyone approved").toBeGreaterThan(0);
      expect(
        unsigned.filter((w) => w.conclusion === "success"),
        "a success before the leads approved",
      ).toEqual([]);

      // The three leads approve the head; the check must then say what the final state justifies.
      const reviews = LEADS.map((lead) => github.addReview(lead, "APPROVED", head));
      await deliverAll(
        world,
        hostile.category,
        reviews.map((r) => world.events.review(r)),
      );
      const truth = await oracle(github);
      const rssAfter = serverPeakRssMiB(server.child.pid!);
      if (rssBefore !== undefined && rssAfter !== undefined)
        rssRise.push({ name: hostile.name, from: rssBefore, to: rssAfter });
      expect(
        verdictOf(latestRun(github, head)),
        `the check after the leads approved (${hostile.name})`,
      ).toEqual(truth);

      // Every delivery answered and judged: no handler error, no "could not be evaluated".
      const ours = delivered.slice(firstDelivery);
      expect(
        ours.filter((d) => d.status !== 200 && d.status !== 202),
        "deliveries not answered 200/202",
      ).toEqual([]);
      const ids = new Set(ours.map((d) => d.id));
      expect(
        server.evaluated().filter((e) => ids.has(e.id) && e.outcome !== "evaluated"),
        "evaluations that failed",
      ).toEqual([]);
      expect(
        server.handlerErrors().filter((l) => ids.has(l.id ?? "")),
        "handler errors",
      ).toEqual([]);

      // No forged marker honoured, none echoed where markers are read.
      const runs = new Set(writesOn(github, head).map((w) => w.id));
      for (const w of github.checkRunWrites.filter((x) => runs.has(x.id))) {
        const summary = String(
          ((w.body ?? {}) as { output?: { summary?: string } }).output?.summary ?? "",
        );
        const conclusion = ((w.body ?? {}) as { conclusion?: string }).conclusion;
        if (conclusion === undefined) continue; // a write that only starts the run
        expect(
          readHeadState(summary)?.prs[String(PR_NUMBER)]?.conclusion,
          "the summary's first line is the app's own state",
        ).toBe(conclusion);
        expect(
          summary.split(`${MARKER_PREFIX}state `).length - 1,
          "state lines in one summary",
        ).toBe(1);
      }
      const appComments = github.comments.filter(
        (c) => (c.user as { login?: string } | undefined)?.login === APP_BOT_LOGIN,
      );
      for (const c of appComments) {
        const body = String(c.body);
        expect(
          body.split("<!--").length - 1,
          `markers in the app's comment:\n${body.slice(0, 500)}`,
        ).toBe(1);
        expect(body.trimEnd().split("\n").at(-1), "the app's marker is its last line").toMatch(
          /^<!-- governance-gate:reply-to:\d+ -->$/,
        );
      }
      for (const id of check.mustReply) {
        expect(
          appComments.filter((c) =>
            String(c.body).trimEnd().endsWith(`${MARKER_PREFIX}reply-to:${id} -->`),
          ),
          `the app's reply to comment ${id}`,
        ).toHaveLength(1);
      }
    });
  }

  it(`the server kept within the ${HEAP_MB} MB heap ceiling: never crashed, still the same process, still answering`, async () => {
    const { child, port } = world.server;
    expect(child.spawnargs).toContain(`--max-old-space-size=${HEAP_MB}`);
    expect({ pid: child.pid, exitCode: child.exitCode, signal: child.signalCode }).toEqual({
      pid,
      exitCode: null,
      signal: null,
    });
    const ping = await fetch(`http://127.0.0.1:${port}/ping`);
    expect(await ping.text()).toBe("PONG");
    expect(world.server.output).not.toMatch(/heap out of memory|FATAL ERROR|Allocation failed/i);
    // The oracle agreed with the app in every case; at least one of them passed, so "never passes early" is not vacuous.
    expect(
      world.github.checkRunWrites.some(
        (w) => ((w.body ?? {}) as { conclusion?: string }).conclusion === "success",
      ),
    ).toBe(true);
  });
});
