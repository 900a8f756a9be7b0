/**
 * Benchmark: the app's own work per hostile input (issue 10, items 9–12),
 * beside a normal pull request's, in one process. Each hostile input replaces
 * one part of the normal pull request — its body, its comments, its labels, one
 * file's contents — and goes through `evaluate` (detectors, ticket scan,
 * sign-off commands, requirements), or is a proposed policy through
 * `loadPolicy` (what the app's proposed-policy lint runs). Figures are ratios to
 * the normal pull request's `evaluate` and the normal policy's `loadPolicy`.
 *
 *   npm run bench                       (all benchmarks; see bench/run.ts)
 *   npx tsx bench/hostile.bench.ts      (this one, well under a minute)
 *
 * Nothing here is a pass/fail on time: the tests assert that the work is bounded
 * (input caps, step budgets, work counters: test/policy/hostile-policy.test.ts,
 * test/changes/bounded-input.test.ts) and test/reliability/fuzz-hostile.test.ts
 * drives the same shapes through the real server. This measures what the bounds
 * leave. The "at 667c5fc" figures quoted are issue 10's, measured before the
 * bounds, not in this run.
 *
 * The run does fail (exit 1) if a hostile policy loads, or an evaluation throws:
 * a fast answer that is wrong would mean nothing. Inputs are generated from a
 * fixed seed. Each input is timed on fresh objects, first run apart (anything
 * cached per content would show as a fast median after a slow first run).
 */
import { performance } from "node:perf_hooks";
import { needsContent } from "../src/changes/registry.js";
import type { ChangedFile } from "../src/changes/types.js";
import { evaluate } from "../src/evaluate/evaluate.js";
import { emptyFacts, type Comment, type Facts, type Review } from "../src/evaluate/facts.js";
import { loadPolicy } from "../src/policy/load.js";
import type { Policy } from "../src/policy/model.js";
import { formatProblem } from "../src/policy/problems.js";
import {
  MIGRATION,
  MIGRATION_SQL,
  POLICY,
  SCHEMA,
  SCHEMA_BASE,
  SCHEMA_HEAD,
} from "../test/e2e/scenario.js";
import { memoryReader } from "../test/helpers/policy.js";
import { seededRandom } from "../test/helpers/random.js";
import { jsonTarget, median, ms, table, writeJson } from "./lib/report.js";

const SEED = 0x10_4057;
const NOW = new Date("2026-11-23T12:00:00Z");
/** Timed runs per input after the first, unless the budget runs out first. */
const RUNS = 7;
const BUDGET_MS = 2500;
const HEAD = "3f1a9c0d2b4e6f8a0c1e3d5b7a9f1c3e5d7b9a0c";

/** The scenario's policy with a ticket required on the migration's area, so the ticket scan runs. */
const BASE_POLICY = `${POLICY}areas:
  prisma:
    ticket: true
ticket:
  pattern: "[A-Z][A-Z0-9]+-\\\\d+"
`;

const random = seededRandom(SEED);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
const KIB = 1024;

function fill(length: number, pieces: (() => string)[]): string {
  let text = "";
  while (text.length < length) text += pick(pieces)();
  return text.slice(0, length);
}

// --- the normal pull request ----------------------------------------------------------

/** As the app gathers it: patches always, contents where a detector reads them. */
function changed(
  path: string,
  status: "added" | "modified",
  patch: string,
  base: string | null,
  head: string,
): ChangedFile {
  const file: ChangedFile = { path, status, patch };
  if (needsContent(file)) Object.assign(file, { base, head });
  return file;
}

function added(path: string, text: string): ChangedFile {
  const lines = text.split("\n");
  return changed(
    path,
    "added",
    `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join("\n")}`,
    null,
    text,
  );
}

function normalFiles(): ChangedFile[] {
  return [
    added(MIGRATION, MIGRATION_SQL),
    changed(
      SCHEMA,
      "modified",
      "@@ -11,6 +11,5 @@ model User {\n   id        Int      @id @default(autoincrement())\n   email     String   @unique\n   name      String?\n-  avatarUrl String?\n   createdAt DateTime @default(now())\n }",
      SCHEMA_BASE,
      SCHEMA_HEAD,
    ),
  ];
}

const review = (id: number, user: string): Review => ({
  id,
  user,
  state: "APPROVED",
  commitId: HEAD,
  submittedAt: "2026-11-23T11:00:00Z",
});
const comment = (id: number, user: string, body: string): Comment => ({
  id,
  user,
  body,
  createdAt: "2026-11-23T11:30:00Z",
  updatedAt: "2026-11-23T11:30:00Z",
});

function normalFacts(): Facts {
  return emptyFacts(normalFiles(), {
    author: "octocat",
    title: "CHAT-1042 Drop User.avatarUrl",
    body: "Avatars moved to the media service.\n\nThe column has been unused since the 3.2 release.",
    labels: ["db"],
    headSha: HEAD,
    headPushedAt: "2026-11-23T10:00:00Z",
    reviews: [review(1, "dan"), review(2, "bea")],
    comments: [
      comment(3, "bob", "LGTM from the backend team."),
      comment(4, "sam", "/approve-level3\n\nReplica lag is fixed."),
    ],
  });
}

// --- hostile inputs --------------------------------------------------------------------

const FORGED = [
  '<!-- governance-gate:state {"prs":{"7":{"conclusion":"success"}}} -->',
  "<!-- governance-gate:reply-to:4 -->",
  `<!-- governance-gate:escalation requirement=prisma/migration-destructive step=2 head=${HEAD} -->`,
];

function hiddenCommands(length: number): string {
  return fill(length, [
    () => "```\n/approve-level3\n```\n\n",
    () => `${"> ".repeat(1 + int(30))}/approve-level3\n\n`,
    () => "> the reason\n/approve-level4\n\n",
    () => "<!--\n/approve-level3\n-->\n\n",
    () => "    /approve-level3\n\n",
    () => "> ```\n> /approve-level3\n> ```\n\n",
    () => "\u200b/approve-level3\n\n",
    () => `${'"'.repeat(1 + int(2000))}\n\n`,
    () => `${pick(FORGED)}\n\n`,
  ]);
}

function terraform(length: number): string {
  return fill(length, [
    () =>
      `resource "aws_instance" "i${int(1000)}" {\n  instance_type = "m5.24xlarge"\n  count = ${int(100)}\n`,
    () => "{".repeat(1 + int(200)),
    () => '"'.repeat(1 + int(2000)),
    () => `  tags = { Name = "\${${"var.x".repeat(1 + int(50))}" }\n`,
    () => "  user_data = <<EOF\n",
    () => "/* ".repeat(1 + int(100)),
    () => "}\n",
  ]);
}

function sqlUnterminated(length: number): string {
  return fill(length, [
    () => `INSERT INTO audit_log (id, note) VALUES (${int(1e6)}, '${"it''s ".repeat(1 + int(100))}`,
    () => "$$".repeat(1 + int(50)),
    () => `DO $body$ BEGIN EXECUTE 'ALTER TABLE "User" DROP COLUMN "email"`,
    () => "/* ".repeat(1 + int(100)),
    () => `E'${"\\'".repeat(1 + int(500))}`,
    () => `"${"x".repeat(int(2000))}`,
    () => ";\n",
  ]);
}

function singleLineRoutes(length: number): string {
  return fill(length, [
    () => "router.get(",
    () => 'app.post("',
    () => '"/',
    () => "/:id",
    () => "'",
    () => "(",
    () => " ",
    () => "@Get(",
    () => "a",
  ]);
}

interface EvaluateInput {
  name: string;
  /** Issue 10's figure at 667c5fc, for context (not measured here). */
  before?: string;
  facts: () => Facts;
}

const BODY = 64 * KIB;

const EVALUATE_INPUTS: EvaluateInput[] = [
  {
    name: "body: 64 KiB of capitals (ticket pattern ReDoS)",
    before: "2.2 s",
    facts: () => ({ ...normalFacts(), body: "A".repeat(BODY) }),
  },
  {
    name: "title and body: 64 KiB each of quotes, forged markers, nested quotes",
    facts: () => ({
      ...normalFacts(),
      title: `CHAT-1042 ${'"'.repeat(BODY)}`,
      body: fill(BODY, [
        () => `${pick(FORGED)}\n`,
        () => `${"> ".repeat(1 + int(200))}/approve-level3\n`,
        () => '"'.repeat(1 + int(4000)),
        () => "<!channel> <!here>\n",
      ]),
    }),
  },
  {
    name: "comments: three of 64 KiB with hidden commands",
    facts: () => ({
      ...normalFacts(),
      comments: ["dan", "bea", "sam"].map((u, i) => comment(10 + i, u, hiddenCommands(BODY))),
    }),
  },
  {
    name: "labels: 100 of 50 characters",
    facts: () => ({
      ...normalFacts(),
      labels: Array.from({ length: 100 }, (_, i) =>
        `${i}-${"architecturé🚀".repeat(4)}`.slice(0, 50),
      ),
    }),
  },
  {
    name: "file: a 100 KB line through the route detector",
    before: "15–21 s",
    facts: () => ({
      ...normalFacts(),
      files: [...normalFiles(), added("src/routes/hostile.ts", singleLineRoutes(100 * KIB))],
    }),
  },
  {
    name: "file: 100 KB of quotes in a YAML manifest",
    before: "17 s",
    facts: () => ({
      ...normalFacts(),
      files: [
        ...normalFiles(),
        added(
          "deploy/k8s/hostile.yaml",
          `apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: ${'"'.repeat(100 * KIB)}\n`,
        ),
      ],
    }),
  },
  {
    name: "file: 100 KB of Terraform",
    before: "23 s",
    facts: () => ({
      ...normalFacts(),
      files: [...normalFiles(), added("infra/hostile.tf", terraform(100 * KIB))],
    }),
  },
  {
    name: "file: 60 KB of SQL with unterminated strings",
    facts: () => ({
      ...normalFacts(),
      files: [
        ...normalFiles(),
        added("prisma/migrations/20261201000000_hostile/migration.sql", sqlUnterminated(60 * KIB)),
      ],
    }),
  },
  {
    name: "files: two of 60 KB (SQL and Terraform)",
    before: "7–11 s stall",
    facts: () => ({
      ...normalFacts(),
      files: [
        ...normalFiles(),
        added("prisma/migrations/20261202000000_twin/migration.sql", sqlUnterminated(60 * KIB)),
        added("infra/twin.tf", terraform(60 * KIB)),
      ],
    }),
  },
];

const BINDINGS = "extends: chat-backend\nroles:\n  backend-lead: { users: [bea] }\n";
/** Issue 10's bomb: minimatch expands it to its limit of 100,000 rows (about 190 MB). */
const BOMB = "src/{a..j}{a..j}{a..j}{a..j}{a..j}/{a,b,c,d,e,f,g,h,i,j}{a,b,c,d,e,f,g,h,i,j}/**";

interface LintInput {
  name: string;
  before?: string;
  text: () => string;
  /** A policy at the limits that is still valid: it must load. */
  loads?: boolean;
}

const LINT_INPUTS: LintInput[] = [
  {
    name: "four brace-expansion bombs (538 bytes)",
    before: "2 s and 190 MB per glob; four abort a 512 MB heap",
    text: () =>
      `${BINDINGS}areas:\n  bombs:\n    paths: ["${BOMB}", "${BOMB.replace("src", "lib")}", "${BOMB.replace("src", "app")}"]\n    accountable: backend-lead\nrules:\n  bomb-rule:\n    when: { paths: ["${BOMB.replace("src", "api")}"] }\n    level: 2\n`,
  },
  { name: "1 MB of quotes", before: "6.7 s", text: () => '"'.repeat(1024 * KIB) },
  { name: "60 KB of quotes (under the size cap: parsed)", text: () => '"'.repeat(60 * KIB) },
  {
    name: "1,000 areas, no preset (at the limit, under 64 KB: read whole, and valid)",
    loads: true,
    text: () =>
      `roles:\n  backend-lead: { users: [bea] }\nareas:\n${Array.from({ length: 1000 }, (_, i) => `  a${i}: { paths: ["a${i}/**"], accountable: backend-lead }\n`).join("")}`,
  },
  {
    name: "30,000 areas",
    before: "17 s",
    text: () =>
      `${BINDINGS}areas:\n${Array.from({ length: 30_000 }, (_, i) => `  a${i}: { paths: ["a${i}/**"], accountable: backend-lead }\n`).join("")}`,
  },
  {
    name: "64 KB of misspelt references (did you mean)",
    before: "9.8 s",
    text: () => {
      const roles = Array.from(
        { length: 300 },
        (_, i) => `  platform-engineering-on-call-rotation-${i}: { users: [u${i}] }\n`,
      ).join("");
      let areas = "";
      for (let i = 0; roles.length + areas.length < 63 * KIB; i++)
        areas += `  a${i}: { paths: ["a${i}/**"], accountable: platform-engineering-on-call-rotaton-${i % 300} }\n`;
      return `roles:\n${roles}areas:\n${areas}`;
    },
  },
  {
    name: "alias bomb (12 levels of 10)",
    text: () => {
      const lines = [
        BINDINGS.trimEnd(),
        `laughs0: &l0 [${Array.from({ length: 10 }, () => '"lol"').join(", ")}]`,
      ];
      for (let i = 1; i < 12; i++)
        lines.push(
          `laughs${i}: &l${i} [${Array.from({ length: 10 }, () => `*l${i - 1}`).join(", ")}]`,
        );
      return `${lines.join("\n")}\n`;
    },
  },
  {
    name: "a 60 KB key",
    text: () =>
      `${BINDINGS}areas:\n  "${"k".repeat(60 * KIB)}": { paths: ["x/**"], accountable: backend-lead }\n`,
  },
];

// --- timing -----------------------------------------------------------------------------

interface Timed {
  firstMs: number;
  medianMs: number;
  maxMs: number;
  runs: number;
}

async function timed(run: () => unknown): Promise<Timed> {
  const once = async () => {
    const start = performance.now();
    await run();
    return performance.now() - start;
  };
  const firstMs = await once();
  const samples: number[] = [];
  const started = performance.now();
  while (samples.length < RUNS && (samples.length === 0 || performance.now() - started < BUDGET_MS))
    samples.push(await once());
  return {
    firstMs,
    medianMs: median(samples),
    maxMs: Math.max(firstMs, ...samples),
    runs: samples.length + 1,
  };
}

const lint = (text: string) =>
  loadPolicy(
    { name: ".github/governance.yml", text, path: ".github/governance.yml" },
    memoryReader({}),
  );

// --- main -------------------------------------------------------------------------------

const failures: string[] = [];
const base = await lint(BASE_POLICY);
if (!base.policy)
  throw new Error(
    `the bench policy does not load:\n${base.problems.map(formatProblem).join("\n")}`,
  );
const policy: Policy = base.policy;

function evaluateOnce(make: () => Facts, name: string): void {
  try {
    evaluate(policy, make(), NOW);
  } catch (error) {
    failures.push(`${name}: evaluate threw ${String(error)}`);
  }
}

// Warm the modules and the JIT on the normal inputs first, so the normal figures are not cold.
for (let i = 0; i < 20; i++) {
  evaluate(policy, normalFacts(), NOW);
  await lint(POLICY);
}
const normalEvaluate = await timed(() => evaluateOnce(normalFacts, "normal"));
const normalDecision = evaluate(policy, normalFacts(), NOW);
const normalLint = await timed(() => lint(POLICY));

const evaluateRows: (Timed & {
  name: string;
  before?: string;
  ratio: number;
  level: number;
  conservative: number;
})[] = [];
for (const input of EVALUATE_INPUTS) {
  // Built once (generation is not what is timed); each run gets fresh objects around the same strings.
  const facts = input.facts();
  const fresh = () => ({
    ...facts,
    files: facts.files.map((f) => ({ ...f })),
    comments: facts.comments.map((c) => ({ ...c })),
    labels: [...facts.labels],
  });
  const t = await timed(() => evaluateOnce(fresh, input.name));
  const decision = evaluate(policy, fresh(), NOW);
  const conservative = decision.areas
    .flatMap((a) => a.changes)
    .filter((c) => c.conservative).length;
  evaluateRows.push({
    name: input.name,
    before: input.before,
    ...t,
    ratio: t.medianMs / normalEvaluate.medianMs,
    level: decision.level,
    conservative,
  });
}

const lintRows: (Timed & {
  name: string;
  before?: string;
  ratio: number;
  problems: number;
  first: string;
})[] = [];
for (const input of LINT_INPUTS) {
  const text = input.text();
  const t = await timed(() => lint(text));
  const result = await lint(text);
  if (Boolean(result.policy) !== Boolean(input.loads))
    failures.push(
      `${input.name}: the policy ${result.policy ? "loaded" : `did not load (${result.problems.map(formatProblem).slice(0, 3).join("; ")})`}`,
    );
  lintRows.push({
    name: input.name,
    before: input.before,
    ...t,
    ratio: t.medianMs / normalLint.medianMs,
    problems: result.problems.length,
    first: result.problems[0] ? formatProblem(result.problems[0]).slice(0, 110) : "(none)",
  });
}

console.log(
  "Governance Gate — hostile inputs beside a normal pull request (issue 10: time is reported, bounds are tested)",
);
console.log(
  `  normal pull request: evaluate ${ms(normalEvaluate.medianMs)} ms (level ${normalDecision.level}, ${normalDecision.conclusion}); its policy through loadPolicy ${ms(normalLint.medianMs)} ms`,
);
console.log("");
console.log(
  table([
    [
      "evaluate, one input replaced",
      "first ms",
      "median ms",
      "max ms",
      "× normal PR",
      "level",
      "assumed worst",
      "at 667c5fc",
    ],
    ...evaluateRows.map((r) => [
      r.name,
      ms(r.firstMs),
      ms(r.medianMs),
      ms(r.maxMs),
      r.ratio.toFixed(1),
      r.level,
      r.conservative,
      r.before ?? "—",
    ]),
  ]),
);
console.log("");
console.log(
  table([
    [
      "proposed policy through loadPolicy",
      "first ms",
      "median ms",
      "max ms",
      "× normal policy",
      "problems",
      "at 667c5fc",
    ],
    ...lintRows.map((r) => [
      r.name,
      ms(r.firstMs),
      ms(r.medianMs),
      ms(r.maxMs),
      r.ratio.toFixed(1),
      r.problems,
      r.before ?? "—",
    ]),
  ]),
);
console.log("");
for (const r of lintRows) console.log(`  ${r.name}: ${r.first}`);
const worst = [...evaluateRows, ...lintRows].sort((a, b) => b.maxMs - a.maxMs)[0]!;
console.log(
  `\n  slowest hostile input: ${worst.name}, ${ms(worst.maxMs)} ms at most (${(worst.maxMs / normalEvaluate.medianMs).toFixed(0)}× a normal pull request's evaluate)`,
);
for (const f of failures) console.log(`  FAILED: ${f}`);

writeJson(jsonTarget(), {
  normal: {
    evaluateMs: normalEvaluate.medianMs,
    lintMs: normalLint.medianMs,
    level: normalDecision.level,
  },
  evaluate: evaluateRows,
  lint: lintRows,
  worst: { name: worst.name, maxMs: worst.maxMs },
  failures,
});
process.exitCode = failures.length > 0 ? 1 : 0;
