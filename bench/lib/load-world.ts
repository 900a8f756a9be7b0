/**
 * The world of the load benchmark: many installations (one organisation each),
 * each with a `chat` repository on the chat-backend preset and open pull
 * requests of a couple of dozen files. Deterministic: the same options give the
 * same world, in the driver and in the fake GitHub's process.
 */
import { sha1, type FileSpec, type RepoSpec } from "./fake-github.js";

export const LOAD_POLICY = `extends: chat-backend
roles:
  backend-lead:   { users: [bea] }
  dba-lead:       { users: [dan] }
  sre-lead:       { users: [sam] }
  sre-team:       { users: [sam, sky] }
  backend-team:   { users: [bob, carol] }
  frontend-team:  { users: [fred] }
  qa-team:        { users: [quinn] }
  tech-writer:    { users: [tina] }
  tech-architect: { users: [tariq] }
  product-owner:  { users: [priya] }
`;
export const AUTHOR = "octocat";
export const COLLABORATORS = [
  AUTHOR,
  "bea",
  "dan",
  "sam",
  "sky",
  "bob",
  "carol",
  "fred",
  "quinn",
  "tina",
  "tariq",
  "priya",
];

export interface LoadWorldOptions {
  installations: number;
  pullsPerRepo: number;
  filesPerPull: number;
}

/** Owned by the preset's http-api, socket-gateway, app-config and docs areas (levels 1–2). */
const DIRS = [
  "src/api/users",
  "src/api/rooms",
  "src/socket",
  "src/gateway",
  "src/api/messages",
  "src/config",
  "src/socket/rooms",
  "docs",
];
const NAMES = [
  "controller",
  "service",
  "repository",
  "dto",
  "mapper",
  "guard",
  "module",
  "validator",
];

/**
 * `count` files across the preset's areas; none needs whole-file content (no manifests, package.json, schema,
 * OpenAPI). Every other pull request also adds an index migration (rule migration-index: the backend lead signs
 * after the DBA's input), so pull requests are level 2 and need bea's approval.
 */
export function pullFiles(seed: number, count: number): FileSpec[] {
  const files: FileSpec[] = [];
  for (let i = 0; files.length < count; i++) {
    const dir = DIRS[(seed + i) % DIRS.length]!;
    const name = NAMES[(seed * 7 + i * 3) % NAMES.length]!;
    const ext = dir === "docs" ? "md" : "ts";
    const filename = `${dir}/${name}-${i}.${ext}`;
    files.push({
      filename,
      status: i % 5 === 0 ? "added" : "modified",
      patch: `@@ -${10 + i},4 +${10 + i},6 @@ export class X${i} {\n   constructor(private readonly deps: Deps) {}\n-  old${i}() { return 1; }\n+  new${i}() {\n+    return this.deps.compute(${i});\n+  }\n   other() {}\n }`,
    });
  }
  // One migration in every other pull request: the SQL detector reads its patch.
  if (seed % 2 === 0) {
    files[files.length - 1] = {
      filename: `prisma/migrations/2026112${seed % 10}0930${String(seed).padStart(4, "0")}_rooms_index/migration.sql`,
      status: "added",
      patch: `@@ -0,0 +1,2 @@\n+-- CreateIndex\n+CREATE INDEX "Room_createdAt_idx" ON "Room"("createdAt");`,
    };
  }
  return files;
}

export function loadWorld(options: LoadWorldOptions): RepoSpec[] {
  const repos: RepoSpec[] = [];
  for (let i = 0; i < options.installations; i++) {
    const owner = `org-${String(i + 1).padStart(4, "0")}`;
    const base = sha1(`base ${owner}`);
    const pulls = Array.from({ length: options.pullsPerRepo }, (_, p) => ({
      number: p + 1,
      title: `Rooms: paginate history (${owner} #${p + 1})`,
      body: "Adds cursor pagination to room history. ROOM-123",
      author: AUTHOR,
      headRef: `feature-${p + 1}`,
      headSha: sha1(`head ${owner}#${p + 1}`),
      files: pullFiles(i * options.pullsPerRepo + p, options.filesPerPull),
    }));
    repos.push({
      installationId: 100_000 + i,
      owner,
      name: "chat",
      defaultBranch: "main",
      baseSha: base,
      collaborators: COLLABORATORS,
      blobs: { [`${base}:.github/governance.yml`]: LOAD_POLICY },
      pulls,
    });
  }
  return repos;
}
