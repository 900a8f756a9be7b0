/**
 * Changes to who may do what: RBAC, network policies, secrets and their wiring,
 * pod privileges, and GitHub Actions token permissions and secrets.
 *
 * Tightening is reported as well as widening: the security lead signs off on any
 * change to the policy, not only on the ones a detector judges dangerous. The
 * exceptions are removals that cannot widen access (a deleted workload or workflow
 * takes its privileges with it).
 */
import { isMap, isScalar, LineCounter, parseDocument, type Document } from "yaml";
import { diffLines } from "./diff.js";
import { helmTemplateChanges } from "./helm-template.js";
import {
  asArray,
  asRecord,
  asString,
  isManifestYamlPath,
  objectKey,
  objectLabel,
  own,
  MANIFEST_MAX_INPUT,
  readManifestPair,
  SECURITY_KINDS,
  SECURITY_WORDS,
  workloads,
  type Container,
  type K8sObject,
  type ParsedManifest,
  type Workload,
} from "./kubernetes-manifest.js";
import type { ChangedFile, DetectionResult, Detector, Finding } from "./types.js";
import { unreadContent } from "./unread.js";
import {
  describeYamlError,
  tooDeepToParse,
  UNTRUSTED_YAML,
  unsafeForToJS,
} from "./untrusted-yaml.js";

const DETECTOR_ID = "security-policy";

interface Change {
  detail: string;
  line?: number;
}

export const securityPolicyDetector: Detector = {
  id: DETECTOR_ID,
  kinds: ["security-policy"],
  needsContent: true,
  maxInput: MANIFEST_MAX_INPUT,
  appliesTo: (path) => isWorkflowPath(path) || isManifestYamlPath(path),
  detect(file): DetectionResult {
    return isWorkflowPath(file.path) ? detectWorkflow(file) : detectManifest(file);
  },
};

function isWorkflowPath(path: string): boolean {
  return /^\.github\/workflows\/.+\.ya?ml$/.test(path);
}

function result(file: ChangedFile, changes: Change[]): DetectionResult {
  const findings: Finding[] = changes.map((c) => ({
    kind: "security-policy",
    path: file.path,
    ...c,
  }));
  return { findings, problems: [] };
}

/** An unreadable file we must assume the worst of. */
function conservative(file: ChangedFile, reason: string): DetectionResult {
  return {
    findings: [
      {
        kind: "security-policy",
        path: file.path,
        detail: `${reason}; assumed to change security policy`,
        conservative: true,
      },
    ],
    problems: [{ path: file.path, detector: DETECTOR_ID, message: reason }],
  };
}

// ---------------------------------------------------------------------------
// Values: canonical comparison and short descriptions
// ---------------------------------------------------------------------------

/** JSON with sorted keys, so key order and formatting never count as a change. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    const record = asRecord(v);
    if (!record) return v;
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((k) => [k, record[k]]),
    );
  });
}

function same(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function show(value: unknown): string {
  if (value === undefined) return "unset";
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return `[${value.map(show).join(", ")}]`;
  return JSON.stringify(value);
}

/** `{a: {b: 1}, c: [x]}` → `{"a.b": 1, "c": [x]}`: arrays are compared whole. */
function flatten(
  value: unknown,
  prefix = "",
  into: Map<string, unknown> = new Map(),
): Map<string, unknown> {
  const record = asRecord(value);
  if (!record) {
    if (prefix !== "" && value !== undefined && value !== null) into.set(prefix, value);
    return into;
  }
  for (const [k, v] of Object.entries(record))
    flatten(v, prefix === "" ? k : `${prefix}.${k}`, into);
  return into;
}

/** `privileged unset → true, runAsUser 1000 → 0` for the leaves that differ. */
function leafChanges(before: unknown, after: unknown): string[] {
  const b = flatten(before);
  const a = flatten(after);
  const keys = [...new Set([...a.keys(), ...b.keys()])];
  return keys
    .filter((k) => !same(b.get(k), a.get(k)))
    .map((k) => `${k} ${show(b.get(k))} → ${show(a.get(k))}`);
}

// ---------------------------------------------------------------------------
// Kubernetes manifests
// ---------------------------------------------------------------------------

/** Text hinting that an unreadable manifest touches security (used only when we cannot parse). */
const SECURITY_KIND_LINE = new RegExp(
  `^\\s*kind:\\s*["']?(${[...SECURITY_KINDS].join("|")})["']?\\s*$`,
  "m",
);

function detectManifest(file: ChangedFile): DetectionResult {
  const pair = readManifestPair(file);
  if (pair.status === "not-kubernetes") return { findings: [], problems: [] };
  if (pair.status === "unloaded") return conservative(file, pair.reason);
  if (pair.status === "helm-template") {
    // The changed lines decide: an image pin or a label in a chart is not a security change.
    const changes = helmTemplateChanges(file, pair.base, pair.head).filter(
      (c) => c.kind === "security-policy",
    );
    return {
      findings: changes.map((c) => ({ ...c, path: file.path, conservative: true })),
      problems: [],
    };
  }
  if (pair.status === "unreadable") {
    // The kubernetes detector already reports every unreadable manifest; this one
    // only assumes the worst when the text suggests security is involved.
    return mentionsSecurity(file)
      ? conservative(file, pair.reason)
      : { findings: [], problems: [] };
  }
  return result(file, [
    ...securityObjectChanges(pair.base, pair.head),
    ...workloadSecurityChanges(pair.base, pair.head),
  ]);
}

function mentionsSecurity(file: ChangedFile): boolean {
  const texts = [file.base, file.head].filter((t): t is string => typeof t === "string");
  if (texts.some((t) => SECURITY_KIND_LINE.test(t))) return true;
  const { added, removed } = diffLines(file);
  return [...added, ...removed].some((l) => SECURITY_WORDS.test(l.text));
}

function securityObjectChanges(base: ParsedManifest, head: ParsedManifest): Change[] {
  const out: Change[] = [];
  const pick = (m: ParsedManifest) =>
    new Map(m.objects.filter((o) => SECURITY_KINDS.has(o.kind)).map((o) => [objectKey(o), o]));
  const before = pick(base);
  const after = pick(head);
  for (const [key, h] of after) {
    const b = before.get(key);
    if (!b) out.push({ detail: `${objectLabel(h)} added`, line: h.line });
    else if (!same(b.data, h.data)) {
      out.push({
        detail: `${objectLabel(h)} changed (${changedFields(b, h).join(", ")})`,
        line: h.line,
      });
    }
  }
  for (const [key, b] of before) {
    if (!after.has(key)) out.push({ detail: `${objectLabel(b)} removed`, line: b.line });
  }
  return out;
}

/**
 * Top-level fields that differ (`rules`, `subjects`, `metadata.labels`). Field
 * names only: a Secret's values must never end up in a check run.
 */
function changedFields(b: K8sObject, h: K8sObject): string[] {
  const fields: string[] = [];
  for (const k of new Set([...Object.keys(h.data), ...Object.keys(b.data)])) {
    if (same(own(b.data, k), own(h.data, k))) continue;
    if (k !== "metadata") {
      fields.push(k);
      continue;
    }
    const bm = asRecord(b.data.metadata) ?? {};
    const hm = asRecord(h.data.metadata) ?? {};
    for (const m of new Set([...Object.keys(hm), ...Object.keys(bm)])) {
      if (!same(own(bm, m), own(hm, m))) fields.push(`metadata.${m}`);
    }
  }
  return fields;
}

/** Pod-level fields that decide a pod's privileges and identity. */
const POD_SECURITY_FIELDS = [
  "securityContext",
  "hostNetwork",
  "hostPID",
  "hostIPC",
  "serviceAccountName",
  "serviceAccount",
  "automountServiceAccountToken",
] as const;

function workloadSecurityChanges(base: ParsedManifest, head: ParsedManifest): Change[] {
  const out: Change[] = [];
  const before = new Map(workloads(base.objects).map((w) => [w.key, w]));
  // Workloads only in base are gone, and their privileges and secrets with them.
  for (const h of workloads(head.objects)) {
    const b = before.get(h.key);
    out.push(
      ...podPrivilegeChanges(b, h),
      ...containerPrivilegeChanges(b, h),
      ...secretWiringChanges(b, h),
    );
  }
  return out;
}

function podPrivilegeChanges(b: Workload | undefined, h: Workload): Change[] {
  const pick = (w: Workload | undefined) =>
    Object.fromEntries(POD_SECURITY_FIELDS.map((f) => [f, w?.podSpec[f]]));
  const changes = leafChanges(pick(b), pick(h));
  if (changes.length === 0) return [];
  const firstField = POD_SECURITY_FIELDS.find((f) => !same(b?.podSpec[f], h.podSpec[f]));
  const line = (firstField && h.object.lineOf([...h.podSpecPath, firstField])) ?? h.object.line;
  return [{ detail: `${h.label} pod: ${changes.join(", ")}`, line }];
}

function containerPrivilegeChanges(b: Workload | undefined, h: Workload): Change[] {
  const out: Change[] = [];
  const baseContainers = new Map((b?.containers ?? []).map((c) => [c.name, c]));
  for (const c of h.containers) {
    const changes = leafChanges(
      baseContainers.get(c.name)?.data.securityContext,
      c.data.securityContext,
    );
    if (changes.length === 0) continue;
    const line = h.object.lineOf([...c.path, "securityContext"]) ?? c.line;
    out.push({
      detail: `${h.label} container ${c.name} securityContext: ${changes.join(", ")}`,
      line,
    });
  }
  return out;
}

interface SecretUse {
  source: string;
  line?: number;
}

/**
 * Where a pod gets secrets from, keyed by the consumer: `container api env
 * DATABASE_URL` → `secret chat-db key url`. Comparing these maps shows new,
 * re-pointed and dropped secret references.
 */
function secretUses(w: Workload): Map<string, SecretUse> {
  const uses = new Map<string, SecretUse>();
  for (const c of w.containers) addContainerSecretUses(c, uses);
  addVolumeSecretUses(w, uses);
  const pullSecrets = asArray(w.podSpec.imagePullSecrets)
    .map((s) => asString(asRecord(s)?.name))
    .filter((n): n is string => n !== undefined);
  if (pullSecrets.length > 0) {
    uses.set("imagePullSecrets", {
      source: `secrets ${pullSecrets.join(", ")}`,
      line: w.object.lineOf([...w.podSpecPath, "imagePullSecrets"]),
    });
  }
  return uses;
}

function addContainerSecretUses(c: Container, uses: Map<string, SecretUse>): void {
  for (const e of c.env) {
    if (!e.secretKeyRef) continue;
    const source = `secret ${e.secretKeyRef.name} key ${e.secretKeyRef.key}`;
    uses.set(`container ${c.name} env ${e.name}`, { source, line: e.line });
  }
  for (const s of c.envFrom) {
    if (s.type !== "secret") continue;
    uses.set(`container ${c.name} envFrom secret ${s.name}`, {
      source: `secret ${s.name}`,
      line: s.line,
    });
  }
}

function addVolumeSecretUses(w: Workload, uses: Map<string, SecretUse>): void {
  asArray(w.podSpec.volumes).forEach((raw, i) => {
    const volume = asRecord(raw);
    const name = asString(volume?.name) ?? `#${i}`;
    const direct = asString(asRecord(volume?.secret)?.secretName);
    const projected = asArray(asRecord(volume?.projected)?.sources)
      .map((s) => asString(asRecord(asRecord(s)?.secret)?.name))
      .filter((n): n is string => n !== undefined);
    const names = direct !== undefined ? [direct, ...projected] : projected;
    if (names.length === 0) return;
    const line = w.object.lineOf([...w.podSpecPath, "volumes", i, "name"]);
    uses.set(`volume ${name}`, {
      source: `secret${names.length > 1 ? "s" : ""} ${names.join(", ")}`,
      line,
    });
  });
}

function secretWiringChanges(b: Workload | undefined, h: Workload): Change[] {
  const out: Change[] = [];
  const before = b ? secretUses(b) : new Map<string, SecretUse>();
  const after = secretUses(h);
  for (const [consumer, use] of after) {
    const old = before.get(consumer)?.source;
    if (old === use.source) continue;
    out.push({
      detail: `${h.label}: secrets wiring ${consumer}: ${old ?? "none"} → ${use.source}`,
      line: use.line,
    });
  }
  for (const [consumer, use] of before) {
    if (after.has(consumer)) continue;
    out.push({
      detail: `${h.label}: secrets wiring ${consumer}: ${use.source} → none`,
      line: h.object.line,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------
// GitHub Actions workflows
// ---------------------------------------------------------------------------

/** `read-all`, `write-all`, or a scope → access map (`{}` grants nothing). */
type Permissions = string | Record<string, string>;

interface Job {
  id: string;
  permissions?: Permissions;
  permissionsLine?: number;
  inheritsSecrets: boolean;
  line?: number;
}

interface Workflow {
  permissions?: Permissions;
  permissionsLine?: number;
  triggers: Set<string>;
  triggersLine?: number;
  jobs: Map<string, Job>;
  text: string;
}

function detectWorkflow(file: ChangedFile): DetectionResult {
  // A file moved or copied into .github/workflows/ starts running there: it is read as added.
  const movedIn = file.previousPath !== undefined && !isWorkflowPath(file.previousPath);
  // Stricter than sideContent (diff.ts): a null version the status does not explain
  // (a head missing from a file not removed) is read as not loaded, never as deleted.
  const head = file.head ?? (file.status === "removed" ? null : undefined);
  const base = movedIn ? null : (file.base ?? (file.status === "added" ? null : undefined));
  // A deleted workflow no longer runs: nothing it granted remains.
  if (head === null) return { findings: [], problems: [] };
  if (head === undefined || base === undefined) {
    const unread = movedIn
      ? `moved here from ${file.previousPath}, so it now runs, and its content was not loaded`
      : unreadContent(file);
    return unread === undefined ? { findings: [], problems: [] } : conservative(file, unread);
  }
  const after = readWorkflow(head);
  if ("error" in after) return conservative(file, `unparseable workflow YAML: ${after.error}`);
  const before = base === null ? null : readWorkflow(base);
  if (before !== null && "error" in before) {
    return conservative(file, `unparseable workflow YAML (base version): ${before.error}`);
  }
  return result(file, [
    ...workflowPermissionChanges(before, after),
    ...jobPermissionChanges(before, after),
    ...triggerChanges(before, after),
    ...secretReferenceChanges(before, after),
  ]);
}

function readWorkflow(text: string): Workflow | { error: string } {
  const tooDeep = tooDeepToParse(text);
  if (tooDeep !== undefined) return { error: tooDeep };
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, ...UNTRUSTED_YAML });
  const error = doc.errors[0];
  if (error) return { error: describeYamlError(error, lineCounter) };
  const unsafe = unsafeForToJS(doc, lineCounter);
  if (unsafe !== undefined) return { error: unsafe };
  let data: Record<string, unknown>;
  try {
    data = asRecord(doc.toJS() as unknown) ?? {};
  } catch (error) {
    return { error: (error as Error).message }; // alias explosion
  }
  const keyLine = (path: readonly string[]) => keyLineOf(doc, lineCounter, path);
  const jobs = new Map<string, Job>();
  for (const [id, raw] of Object.entries(asRecord(data.jobs) ?? {})) {
    const job = asRecord(raw) ?? {};
    jobs.set(id, {
      id,
      permissions: "permissions" in job ? readPermissions(job.permissions) : undefined,
      permissionsLine: keyLine(["jobs", id, "permissions"]),
      inheritsSecrets: job.secrets === "inherit",
      line: keyLine(["jobs", id]),
    });
  }
  return {
    permissions: "permissions" in data ? readPermissions(data.permissions) : undefined,
    permissionsLine: keyLine(["permissions"]),
    triggers: readTriggers(data.on),
    triggersLine: keyLine(["on"]),
    jobs,
    text,
  };
}

/** The line of a mapping *key* (the `permissions:` line, not its first scope). */
function keyLineOf(
  doc: Document.Parsed,
  lineCounter: LineCounter,
  path: readonly string[],
): number | undefined {
  const parent: unknown = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
  if (!isMap(parent)) return undefined;
  const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === path[path.length - 1]);
  const range = isScalar(pair?.key) ? pair.key.range : undefined;
  return range ? lineCounter.linePos(range[0]).line : undefined;
}

function readPermissions(value: unknown): Permissions {
  if (typeof value === "string") return value;
  const record = asRecord(value);
  // `permissions:` with no value is not a valid grant; show it as written.
  if (!record) return show(value);
  return Object.fromEntries(Object.entries(record).map(([scope, access]) => [scope, show(access)]));
}

/** `on: push`, `on: [push, pull_request]` and `on: {push: ..., pull_request: ...}`. */
function readTriggers(on: unknown): Set<string> {
  if (typeof on === "string") return new Set([on]);
  if (Array.isArray(on)) return new Set(on.filter((t): t is string => typeof t === "string"));
  return new Set(Object.keys(asRecord(on) ?? {}));
}

function describePermissions(p: Permissions): string {
  if (typeof p === "string") return p;
  const entries = Object.entries(p);
  return entries.length === 0
    ? "none"
    : entries.map(([scope, access]) => `${scope}: ${access}`).join(", ");
}

const DEFAULT_TOKEN = "default token permissions";

/** How permissions moved from `b` to `h`, or undefined when they did not. */
function permissionDelta(b: Permissions, h: Permissions): string | undefined {
  if (same(b, h)) return undefined;
  if (typeof b === "string" || typeof h === "string")
    return `${describePermissions(b)} → ${describePermissions(h)}`;
  const scopes = [...new Set([...Object.keys(h), ...Object.keys(b)])];
  return scopes
    .filter((s) => own(b, s) !== own(h, s))
    .map((s) => `${s} ${own(b, s) ?? "unset"} → ${own(h, s) ?? "unset"}`)
    .join(", ");
}

function workflowPermissionChanges(before: Workflow | null, after: Workflow): Change[] {
  const b = before?.permissions;
  const h = after.permissions;
  if (h !== undefined && b === undefined) {
    return [
      {
        detail: `workflow permissions added: ${describePermissions(h)}`,
        line: after.permissionsLine,
      },
    ];
  }
  if (h !== undefined && b !== undefined) {
    const delta = permissionDelta(b, h);
    return delta === undefined
      ? []
      : [{ detail: `workflow permissions changed: ${delta}`, line: after.permissionsLine }];
  }
  if (b !== undefined) {
    // The line is the base version's: the key no longer exists at head.
    const detail = `workflow permissions removed: ${describePermissions(b)} → ${DEFAULT_TOKEN}`;
    return [{ detail, line: before?.permissionsLine }];
  }
  // Neither version declares workflow permissions. A *new* workflow whose jobs do not
  // declare their own is a new holder of the default token, which is as wide as
  // removing `permissions:` from an existing one.
  if (before !== null) return [];
  const unrestricted = [...after.jobs.values()]
    .filter((j) => j.permissions === undefined)
    .map((j) => j.id);
  if (unrestricted.length === 0) return [];
  const jobs = `job${unrestricted.length === 1 ? "" : "s"} ${unrestricted.join(", ")}`;
  return [{ detail: `workflow added without permissions: ${DEFAULT_TOKEN} for ${jobs}`, line: 1 }];
}

function jobPermissionChanges(before: Workflow | null, after: Workflow): Change[] {
  const out: Change[] = [];
  for (const job of after.jobs.values()) {
    const old = before?.jobs.get(job.id);
    const b = old?.permissions;
    const h = job.permissions;
    if (h !== undefined && b === undefined) {
      out.push({
        detail: `job ${job.id} permissions added: ${describePermissions(h)}`,
        line: job.permissionsLine,
      });
    } else if (h !== undefined && b !== undefined) {
      const delta = permissionDelta(b, h);
      if (delta !== undefined)
        out.push({
          detail: `job ${job.id} permissions changed: ${delta}`,
          line: job.permissionsLine,
        });
    } else if (b !== undefined) {
      // Without its own permissions a job gets the workflow's, or else the default token's.
      const fallback =
        after.permissions !== undefined
          ? `workflow permissions (${describePermissions(after.permissions)})`
          : DEFAULT_TOKEN;
      const detail = `job ${job.id} permissions removed: ${describePermissions(b)} → ${fallback}`;
      out.push({ detail, line: old?.permissionsLine });
    }
    if (job.inheritsSecrets && !old?.inheritsSecrets) {
      out.push({
        detail: `job ${job.id} passes all secrets to a reusable workflow (secrets: inherit)`,
        line: job.line,
      });
    }
  }
  return out;
}

/**
 * Triggers that run workflow code with secrets and a write token on behalf of fork
 * pull requests.
 */
function triggerChanges(before: Workflow | null, after: Workflow): Change[] {
  if (!after.triggers.has("pull_request_target") || before?.triggers.has("pull_request_target"))
    return [];
  return [
    {
      detail:
        "pull_request_target trigger added (runs with secrets and a write token for fork pull requests)",
      line: after.triggersLine,
    },
  ];
}

interface SecretReference {
  /** As written, e.g. `NPM_TOKEN`; secret names are case-insensitive, so compared upper-cased. */
  name: string;
  line: number;
}

const EXPRESSION = /\$\{\{([\s\S]*?)\}\}/g;
const SECRET_IN_EXPRESSION =
  /\bsecrets(?:\.([A-Za-z_][A-Za-z0-9_-]*)|\[\s*['"]([^'"]+)['"]\s*\]|\b)/g;

/** `${{ secrets.X }}` references by upper-cased name; `*` is the whole context (`toJSON(secrets)`). */
function secretReferences(text: string): Map<string, SecretReference> {
  const refs = new Map<string, SecretReference>();
  text.split(/\r?\n/).forEach((lineText, i) => {
    if (/^\s*#/.test(lineText)) return; // a comment mentioning a secret grants nothing
    for (const expression of lineText.matchAll(EXPRESSION)) {
      for (const ref of (expression[1] ?? "").matchAll(SECRET_IN_EXPRESSION)) {
        const name = ref[1] ?? ref[2] ?? "*";
        if (!refs.has(name.toUpperCase())) refs.set(name.toUpperCase(), { name, line: i + 1 });
      }
    }
  });
  return refs;
}

function secretReferenceChanges(before: Workflow | null, after: Workflow): Change[] {
  const known = before ? secretReferences(before.text) : new Map<string, SecretReference>();
  const out: Change[] = [];
  for (const [key, ref] of secretReferences(after.text)) {
    if (known.has(key)) continue;
    const what = key === "*" ? "the whole secrets context" : `secrets.${ref.name}`;
    out.push({ detail: `new secret reference: ${what}`, line: ref.line });
  }
  return out;
}
