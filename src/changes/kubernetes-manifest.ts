/**
 * Reading Kubernetes manifests: the parsing shared by the kubernetes, cost and
 * security-policy detectors.
 *
 * A manifest file is a YAML stream of objects (`apiVersion` + `kind`), possibly
 * wrapped in a `kind: List`. From it we extract workloads (their replicas and pod
 * template), autoscalers, and kustomize `replicas:` overrides. Everything here is
 * pure; findings are the detectors' business.
 */
import { isMap, isNode, isScalar, isSeq, LineCounter, parseAllDocuments } from "yaml";
import { sideContent } from "./diff.js";
import type { ChangedFile } from "./types.js";
import { unreadContent } from "./unread.js";
import {
  describeYamlError,
  tooDeepToParse,
  UNTRUSTED_YAML,
  unsafeForToJS,
} from "./untrusted-yaml.js";

// ---------------------------------------------------------------------------
// Small helpers for walking untyped YAML data
// ---------------------------------------------------------------------------

export type Json = Record<string, unknown>;

export function asRecord(value: unknown): Json | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Json)
    : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/**
 * `record[key]` for the record's own keys only. Keys here come from YAML, and a key
 * such as `constructor` must not read Object.prototype's.
 */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function asInteger(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) ? value : undefined;
}

// ---------------------------------------------------------------------------
// Kubernetes quantities
// ---------------------------------------------------------------------------

const BINARY_SUFFIX: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** Decimal SI suffixes as powers of ten ("" is plain, "m" is milli). */
const DECIMAL_EXPONENT: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  "": 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

// <sign><digits>[<binarySI> | <decimalExponent> | <decimalSI>]. The exponent
// alternative comes before the suffixes so "1e3" is 1000 while "1E" is one exa.
const QUANTITY =
  /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei)|[eE]([+-]?\d+)|(n|u|m|k|M|G|T|P|E))?$/;

/**
 * Parses a Kubernetes resource quantity ("500m", "1.5Gi", "129e6", or a YAML
 * number such as 0.5) into its plain value: cores for CPU, bytes for memory.
 * Throws on anything the API server would reject.
 */
export function parseQuantity(quantity: string | number): number {
  if (typeof quantity === "number") {
    if (!Number.isFinite(quantity))
      throw new Error(`invalid Kubernetes quantity ${String(quantity)}`);
    return quantity;
  }
  const match = QUANTITY.exec(quantity);
  if (!match) throw new Error(`invalid Kubernetes quantity "${quantity}"`);
  const [, digits = "", binary, exponent, decimal] = match;
  const value = Number(digits);
  if (binary !== undefined) return value * (BINARY_SUFFIX[binary] ?? 1);
  const power = exponent !== undefined ? Number(exponent) : (DECIMAL_EXPONENT[decimal ?? ""] ?? 0);
  // Dividing for negative powers keeps "100m" exactly 0.1 (100 * 0.001 is not).
  return power >= 0 ? value * 10 ** power : value / 10 ** -power;
}

/** Whether two quantities as written denote the same amount ("1" and "1000m" do). */
export function sameQuantity(a: string | undefined, b: string | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  try {
    const x = parseQuantity(a);
    const y = parseQuantity(b);
    return Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
  } catch {
    return false; // at least one is invalid: only identical text is "the same"
  }
}

// ---------------------------------------------------------------------------
// Objects
// ---------------------------------------------------------------------------

export type YamlPath = readonly (string | number)[];

export interface K8sObject {
  apiVersion: string;
  kind: string;
  name: string;
  /** Absent for cluster-scoped objects and for objects that leave it to `kubectl -n`. */
  namespace?: string;
  data: Json;
  /** 1-based line where the object starts. */
  line?: number;
  /** 1-based line of a value inside the object, e.g. `["spec", "replicas"]`. */
  lineOf(path: YamlPath): number | undefined;
}

/** `Kind/namespace/name`: how objects are matched between base and head. */
export function objectKey(o: { kind: string; namespace?: string; name: string }): string {
  return `${o.kind}/${o.namespace ?? ""}/${o.name}`;
}

/** `Deployment chat/api` (or `ClusterRole ops-admin` without a namespace), for details. */
export function objectLabel(o: { kind: string; namespace?: string; name: string }): string {
  return `${o.kind} ${o.namespace !== undefined ? `${o.namespace}/` : ""}${o.name}`;
}

/** A kustomization's `replicas: [{name, count}]` override. */
export interface KustomizeReplicas {
  name: string;
  count: number;
  line?: number;
}

export interface ParsedManifest {
  objects: K8sObject[];
  kustomizeReplicas: KustomizeReplicas[];
}

export const EMPTY_MANIFEST: ParsedManifest = { objects: [], kustomizeReplicas: [] };

export type ManifestFile =
  | { status: "parsed"; manifest: ParsedManifest }
  | { status: "helm-template" }
  | { status: "invalid"; message: string };

/** A file under a chart's `templates/` directory using Go template syntax. */
export function isHelmTemplate(path: string, text: string): boolean {
  return /(^|\/)templates\//.test(path) && text.includes("{{");
}

function isKustomizationPath(path: string): boolean {
  return /(^|\/)(kustomization\.ya?ml|Kustomization)$/.test(path);
}

/**
 * Most characters of patch and content the manifest detectors (kubernetes, cost,
 * security-policy) read: yaml reads hostile text at about 10 µs a character.
 */
export const MANIFEST_MAX_INPUT = 256 * 1024;

/** The last few files parsed: the three manifest detectors read the same versions of a file in a row. */
const recentlyParsed = new Map<string, ManifestFile>();
const RECENT = 6;

/**
 * Parses one version of a file (once for the three detectors that read it).
 * Helm templates are recognised before parsing:
 * `{{ .Values.x }}` sometimes *is* valid YAML (a flow map), and would be
 * misread rather than rejected.
 */
export function parseManifestFile(path: string, text: string): ManifestFile {
  const key = `${path}\u0000${text}`;
  const recent = recentlyParsed.get(key);
  if (recent !== undefined) return recent;
  const parsed = parseManifestText(path, text);
  recentlyParsed.set(key, parsed);
  if (recentlyParsed.size > RECENT) recentlyParsed.delete(recentlyParsed.keys().next().value!);
  return parsed;
}

function parseManifestText(path: string, text: string): ManifestFile {
  if (isHelmTemplate(path, text)) return { status: "helm-template" };
  const tooDeep = tooDeepToParse(text);
  if (tooDeep !== undefined) return { status: "invalid", message: tooDeep };
  const lineCounter = new LineCounter();
  // `merge: true` applies `<<:` merge keys as Kubernetes' YAML 1.1 parser does.
  const parsed = parseAllDocuments(text, { lineCounter, merge: true, ...UNTRUSTED_YAML });
  if (!Array.isArray(parsed)) return { status: "parsed", manifest: EMPTY_MANIFEST }; // empty stream
  const objects: K8sObject[] = [];
  const kustomizeReplicas: KustomizeReplicas[] = [];
  for (const doc of parsed) {
    const error = doc.errors[0];
    if (error) return { status: "invalid", message: describeYamlError(error, lineCounter) };
    if (doc.contents === null) continue; // empty document ("---" with nothing after it)
    const unsafe = unsafeForToJS(doc, lineCounter);
    if (unsafe !== undefined) return { status: "invalid", message: unsafe };
    const lineOf = (path: YamlPath): number | undefined => {
      const offset = startOffset(doc.contents, path);
      return offset === undefined ? undefined : lineCounter.linePos(offset).line;
    };
    let data: unknown;
    try {
      data = doc.toJS(); // throws on an alias explosion ("billion laughs"), beyond yaml's default cap
    } catch (error) {
      return { status: "invalid", message: (error as Error).message };
    }
    collectObjects(data, [], lineOf, objects);
    if (isKustomizationPath(path) || asRecord(data)?.kind === "Kustomization") {
      kustomizeReplicas.push(...readKustomizeReplicas(asRecord(data), lineOf));
    }
  }
  return { status: "parsed", manifest: { objects, kustomizeReplicas } };
}

/**
 * Where the value at `path` is written: the line of its key for a mapping entry
 * (`resources:` rather than the `requests:` below it), its own start for a list item.
 */
export function startOffset(root: unknown, path: YamlPath): number | undefined {
  let node: unknown = root;
  let offset: number | undefined;
  for (const step of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === step);
      offset = isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
      node = pair?.value;
    } else if (isSeq(node) && typeof step === "number") {
      node = node.items[step];
      offset = isNode(node) ? node.range?.[0] : undefined;
    } else {
      return undefined;
    }
    if (node === undefined) return undefined;
  }
  return offset ?? (isNode(node) ? node.range?.[0] : undefined);
}

function collectObjects(data: unknown, at: YamlPath, docLineOf: LineOf, into: K8sObject[]): void {
  const record = asRecord(data);
  const apiVersion = asString(record?.apiVersion);
  const kind = asString(record?.kind);
  if (!record || apiVersion === undefined || kind === undefined) return;
  // `kind: List` (and typed lists such as DeploymentList) wrap their objects in items.
  if (kind.endsWith("List") && Array.isArray(record.items)) {
    record.items.forEach((item, i) => collectObjects(item, [...at, "items", i], docLineOf, into));
    return;
  }
  const metadata = asRecord(record.metadata);
  const lineOf = (path: YamlPath) => docLineOf([...at, ...path]);
  into.push({
    apiVersion,
    kind,
    name: asString(metadata?.name) ?? asString(metadata?.generateName) ?? "(unnamed)",
    namespace: asString(metadata?.namespace),
    data: record,
    line: lineOf(["apiVersion"]),
    lineOf,
  });
}

function readKustomizeReplicas(data: Json | undefined, lineOf: LineOf): KustomizeReplicas[] {
  const out: KustomizeReplicas[] = [];
  asArray(data?.replicas).forEach((entry, i) => {
    const r = asRecord(entry);
    const name = asString(r?.name);
    const count = asInteger(r?.count);
    if (name !== undefined && count !== undefined)
      out.push({ name, count, line: lineOf(["replicas", i, "count"]) });
  });
  return out;
}

// ---------------------------------------------------------------------------
// Workloads
// ---------------------------------------------------------------------------

/** Where each workload kind keeps its pod spec, and whether `replicas` defaults to 1. */
const WORKLOAD_KINDS: Record<string, { podSpec: YamlPath; scalable: boolean }> = {
  Deployment: { podSpec: ["spec", "template", "spec"], scalable: true },
  StatefulSet: { podSpec: ["spec", "template", "spec"], scalable: true },
  ReplicaSet: { podSpec: ["spec", "template", "spec"], scalable: true },
  Rollout: { podSpec: ["spec", "template", "spec"], scalable: true }, // Argo Rollouts
  DaemonSet: { podSpec: ["spec", "template", "spec"], scalable: false },
  Job: { podSpec: ["spec", "template", "spec"], scalable: false },
  CronJob: { podSpec: ["spec", "jobTemplate", "spec", "template", "spec"], scalable: false },
  Pod: { podSpec: ["spec"], scalable: false },
};

export type ContainerRole = "app" | "init" | "sidecar";

export interface EnvVar {
  name: string;
  /** Set when the value comes from `valueFrom.secretKeyRef`. */
  secretKeyRef?: { name: string; key: string };
  line?: number;
}

export interface EnvFromSource {
  type: "configMap" | "secret";
  name: string;
  prefix?: string;
  line?: number;
}

export interface Container {
  name: string;
  /** "sidecar" is an init container with `restartPolicy: Always`: it runs for the pod's lifetime. */
  role: ContainerRole;
  /** Quantities as written (YAML numbers are turned into their decimal text). */
  requests: Record<string, string>;
  limits: Record<string, string>;
  env: EnvVar[];
  envFrom: EnvFromSource[];
  /** Path of the container inside the object, for lines and further reading. */
  path: YamlPath;
  data: Json;
  line?: number;
}

export interface Workload {
  kind: string;
  namespace?: string;
  name: string;
  key: string;
  label: string;
  /** `spec.replicas` as written. */
  replicas?: number;
  /** Replicas when `spec.replicas` is absent (1 for Deployment-like kinds); undefined when not replica-based. */
  defaultReplicas?: number;
  podSpec: Json;
  podSpecPath: YamlPath;
  containers: Container[];
  object: K8sObject;
}

export function isWorkloadKind(kind: string): boolean {
  return Object.hasOwn(WORKLOAD_KINDS, kind);
}

export function workloads(objects: readonly K8sObject[]): Workload[] {
  const out: Workload[] = [];
  for (const object of objects) {
    // hasOwn: a `kind: constructor` must not find Object.prototype's.
    const shape = isWorkloadKind(object.kind) ? WORKLOAD_KINDS[object.kind] : undefined;
    if (!shape) continue;
    const podSpec = asRecord(getIn(object.data, shape.podSpec)) ?? {};
    const spec = asRecord(object.data.spec);
    out.push({
      kind: object.kind,
      namespace: object.namespace,
      name: object.name,
      key: objectKey(object),
      label: objectLabel(object),
      replicas: shape.scalable ? asInteger(spec?.replicas) : undefined,
      defaultReplicas: shape.scalable ? 1 : undefined,
      podSpec,
      podSpecPath: shape.podSpec,
      containers: readContainers(podSpec, shape.podSpec, object.lineOf),
      object,
    });
  }
  return out;
}

/** Replicas a workload runs with, per its own spec (undefined when not replica-based). */
export function effectiveReplicas(w: Workload): number | undefined {
  return w.replicas ?? w.defaultReplicas;
}

export function getIn(data: unknown, path: YamlPath): unknown {
  let at: unknown = data;
  for (const step of path) {
    if (typeof step === "number") at = Array.isArray(at) ? at[step] : undefined;
    else at = asRecord(at)?.[step];
  }
  return at;
}

type LineOf = (path: YamlPath) => number | undefined;

function readContainers(podSpec: Json, podSpecPath: YamlPath, lineOf: LineOf): Container[] {
  const out: Container[] = [];
  for (const field of ["initContainers", "containers"] as const) {
    asArray(podSpec[field]).forEach((raw, i) => {
      const data = asRecord(raw);
      if (!data) return;
      const role: ContainerRole =
        field === "containers" ? "app" : data.restartPolicy === "Always" ? "sidecar" : "init";
      const path = [...podSpecPath, field, i];
      const resources = asRecord(data.resources);
      out.push({
        name: asString(data.name) ?? `#${i}`,
        role,
        requests: quantities(resources?.requests),
        limits: quantities(resources?.limits),
        env: readEnv(data, path, lineOf),
        envFrom: readEnvFrom(data, path, lineOf),
        path,
        data,
        line: lineOf([...path, "name"]),
      });
    });
  }
  return out;
}

function quantities(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, q] of Object.entries(asRecord(value) ?? {})) {
    if (typeof q === "string" || typeof q === "number") out[name] = String(q);
  }
  return out;
}

function readEnv(container: Json, path: YamlPath, lineOf: LineOf): EnvVar[] {
  const out: EnvVar[] = [];
  asArray(container.env).forEach((raw, i) => {
    const entry = asRecord(raw);
    const name = asString(entry?.name);
    if (name === undefined) return;
    const ref = asRecord(asRecord(entry?.valueFrom)?.secretKeyRef);
    const secretName = asString(ref?.name);
    out.push({
      name,
      secretKeyRef:
        secretName !== undefined ? { name: secretName, key: asString(ref?.key) ?? "" } : undefined,
      line: lineOf([...path, "env", i, "name"]),
    });
  });
  return out;
}

function readEnvFrom(container: Json, path: YamlPath, lineOf: LineOf): EnvFromSource[] {
  const out: EnvFromSource[] = [];
  asArray(container.envFrom).forEach((raw, i) => {
    const entry = asRecord(raw);
    const prefix = asString(entry?.prefix);
    const line = lineOf([...path, "envFrom", i]);
    const configMap = asString(asRecord(entry?.configMapRef)?.name);
    const secret = asString(asRecord(entry?.secretRef)?.name);
    if (configMap !== undefined) out.push({ type: "configMap", name: configMap, prefix, line });
    if (secret !== undefined) out.push({ type: "secret", name: secret, prefix, line });
  });
  return out;
}

/** Objects whose every change is a security-policy change. */
export const SECURITY_KINDS: ReadonlySet<string> = new Set([
  "Role",
  "ClusterRole",
  "RoleBinding",
  "ClusterRoleBinding",
  "ServiceAccount",
  "NetworkPolicy",
  "CiliumNetworkPolicy",
  "CiliumClusterwideNetworkPolicy",
  "AuthorizationPolicy", // Istio
  "PeerAuthentication", // Istio
  "PodSecurityPolicy",
  "Secret",
  "SealedSecret",
  "ExternalSecret",
]);

/**
 * Keys of who may do what — pod privileges, identities, secrets, network reach —
 * for text that cannot be parsed (broken YAML, Helm templates, chart values).
 */
export const SECURITY_WORDS =
  /\b(securityContext|podSecurityContext|containerSecurityContext|privileged|allowPrivilegeEscalation|runAsUser|runAsGroup|runAsNonRoot|readOnlyRootFilesystem|capabilities|seccompProfile|hostNetwork|hostPID|hostIPC|hostPath|serviceAccount|serviceAccountName|automountServiceAccountToken|secretKeyRef|secretRef|secretName|imagePullSecrets|rbac|networkPolicy)\b/i;

// ---------------------------------------------------------------------------
// Autoscalers
// ---------------------------------------------------------------------------

export interface Autoscaler {
  kind: string;
  namespace?: string;
  name: string;
  key: string;
  label: string;
  /** `spec.minReplicas`, which defaults to 1 in autoscaling/v1 and v2. */
  minReplicas: number;
  maxReplicas?: number;
  target?: { kind: string; name: string };
  object: K8sObject;
}

/** HorizontalPodAutoscalers; autoscaling/v1 and v2 share the fields read here. */
export function autoscalers(objects: readonly K8sObject[]): Autoscaler[] {
  return objects
    .filter((o) => o.kind === "HorizontalPodAutoscaler")
    .map((object) => {
      const spec = asRecord(object.data.spec);
      const ref = asRecord(spec?.scaleTargetRef);
      const targetKind = asString(ref?.kind);
      const targetName = asString(ref?.name);
      return {
        kind: object.kind,
        namespace: object.namespace,
        name: object.name,
        key: objectKey(object),
        label: objectLabel(object),
        minReplicas: asInteger(spec?.minReplicas) ?? 1,
        maxReplicas: asInteger(spec?.maxReplicas),
        target:
          targetKind !== undefined && targetName !== undefined
            ? { kind: targetKind, name: targetName }
            : undefined,
        object,
      };
    });
}

/** The autoscaler (same namespace) whose `scaleTargetRef` names this workload, if any. */
export function autoscalerFor(w: Workload, list: readonly Autoscaler[]): Autoscaler | undefined {
  return list.find(
    (a) => a.namespace === w.namespace && a.target?.kind === w.kind && a.target.name === w.name,
  );
}

// ---------------------------------------------------------------------------
// Files: which paths, and both versions of a changed file
// ---------------------------------------------------------------------------

/**
 * YAML files that may hold Kubernetes objects. Workflows and OpenAPI documents are
 * YAML too but have their own detectors; pnpm's lock file is excluded only because
 * it is large and never a manifest.
 */
export function isManifestYamlPath(path: string): boolean {
  if (!/\.ya?ml$/i.test(path)) return false;
  if (/^\.github\/workflows\//.test(path)) return false;
  const base = path.slice(path.lastIndexOf("/") + 1);
  return !/openapi|swagger/i.test(base) && base !== "pnpm-lock.yaml";
}

/** The conventional homes of manifests, charts and kustomizations. */
function inManifestDirectory(path: string): boolean {
  return /(^|\/)(k8s|kubernetes|deploy|deployment|deployments|manifests|charts|helm|kustomize|overlays)\//.test(
    path,
  );
}

/**
 * Whether a file should be read as a manifest at all, so that unparseable YAML is
 * reported (not ignored) when it is probably one, and other YAML is left alone.
 */
export function looksLikeManifest(path: string, text: string): boolean {
  return (
    inManifestDirectory(path) || isKustomizationPath(path) || /^[\s-]*apiVersion\s*:/m.test(text)
  );
}

export type ManifestPair =
  /** Both versions read; an absent version (added or removed file) is empty. */
  | { status: "parsed"; base: ParsedManifest; head: ParsedManifest }
  /** Not a manifest, or a pure rename of a file whose content was not loaded: nothing to report. */
  | { status: "not-kubernetes" }
  /** It looks like a manifest but could not be read (broken YAML): callers must not stay silent. */
  | { status: "unreadable"; reason: string }
  /**
   * A Helm template at base or head: not YAML until rendered, so callers read its
   * changed lines (helm-template.ts). An absent version is null.
   */
  | { status: "helm-template"; base: string | null; head: string | null }
  /**
   * Its content was not loaded (GitHub gives no text for binary or very large
   * files), so nothing says it is not a manifest: callers assume the worst.
   */
  | { status: "unloaded"; reason: string };

export function readManifestPair(file: ChangedFile): ManifestPair {
  const base = sideContent(file, "base");
  const head = sideContent(file, "head");
  const basePath = file.previousPath ?? file.path;
  const known = [base, head, file.patch]
    .filter((t): t is string => typeof t === "string")
    .join("\n");
  const looksLike = looksLikeManifest(file.path, known) || looksLikeManifest(basePath, known);
  if (base === undefined || head === undefined) {
    const reason = unreadContent(file);
    return reason === undefined ? { status: "not-kubernetes" } : { status: "unloaded", reason };
  }
  if (!looksLike) return { status: "not-kubernetes" };
  if (
    (head !== null && isHelmTemplate(file.path, head)) ||
    (base !== null && isHelmTemplate(basePath, base))
  ) {
    return { status: "helm-template", base, head };
  }
  const headRead = readSide(file.path, head);
  if ("reason" in headRead) return { status: "unreadable", reason: headRead.reason };
  const baseRead = readSide(basePath, base);
  if ("reason" in baseRead)
    return { status: "unreadable", reason: `${baseRead.reason} (base version)` };
  const empty = (m: ParsedManifest) => m.objects.length === 0 && m.kustomizeReplicas.length === 0;
  if (empty(baseRead) && empty(headRead)) return { status: "not-kubernetes" };
  return { status: "parsed", base: baseRead, head: headRead };
}

function readSide(path: string, text: string | null): ParsedManifest | { reason: string } {
  if (text === null) return EMPTY_MANIFEST;
  const parsed = parseManifestFile(path, text);
  // Only reached for a file readManifestPair did not take for a template, i.e. never: kept total.
  if (parsed.status === "helm-template") return { reason: "Helm template: not evaluated" };
  if (parsed.status === "invalid") return { reason: `unparseable YAML: ${parsed.message}` };
  return parsed.manifest;
}
