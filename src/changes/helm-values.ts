/**
 * Helm chart values (`values.yaml`, `values-production.yaml`, `values.prod.yaml`):
 * the numbers a chart's templates scale and size its workloads with.
 *
 * Charts follow `helm create`'s conventions, at the top level for the chart's own
 * workload and under a key for each subchart or component (`api:`, `redis.replica:`):
 * `replicaCount` (or `replicas`), `resources.requests/limits`, and `autoscaling`
 * (`enabled`, `minReplicas`, `maxReplicas`). Any mapping holding one of those is a
 * component. Base and head are compared component by component:
 *
 * - `scaling-change`: its replicas, autoscaling settings or resources changed
 *   (seed 000, Infrastructure: "Auto-scaling policies", "Scaling parameters": SRE Lead).
 * - `cost-increase`: the monthly estimate rose above the policy's `cost.threshold`
 *   (seed 000: "Resource provisioning: SRE Lead (with Finance approval for
 *   >$500/month)"). Priced as the cost detector prices manifests: replicas (the
 *   autoscaler's maximum when `autoscaling.enabled`) × the pod's requests (limits
 *   when no request is set) × `cost.cpuMonth` / `cost.memoryGiBMonth`. A component
 *   whose replicas rise while the values set no resources for it cannot be priced:
 *   that is assumed to cross the threshold (conservative), saying how to price it.
 * - `security-policy`: a changed value under a key of pod privileges, identities,
 *   secrets or network reach (`securityContext`, `serviceAccount`, `rbac`,
 *   `networkPolicy`, …); its path is reported, never its value.
 */
import { LineCounter, parseDocument } from "yaml";
import { money } from "./cost.js";
import { sideContent } from "./diff.js";
import {
  asRecord,
  MANIFEST_MAX_INPUT,
  own,
  parseQuantity,
  sameQuantity,
  SECURITY_WORDS,
  startOffset,
  type Json,
  type YamlPath,
} from "./kubernetes-manifest.js";
import type { DetectionResult, Detector, DetectorSettings, Finding } from "./types.js";
import { unreadContent } from "./unread.js";
import {
  describeYamlError,
  tooDeepToParse,
  UNTRUSTED_YAML,
  unsafeForToJS,
} from "./untrusted-yaml.js";

const DETECTOR_ID = "helm-values";
const GIB = 2 ** 30;

/** `values.yaml`, `values-production.yaml`, `values.prod.yml`; not a chart template. */
export function isHelmValuesPath(path: string): boolean {
  return /(^|\/)values([-.][^/]*)?\.ya?ml$/i.test(path) && !/(^|\/)templates\//.test(path);
}

export const helmValuesDetector: Detector = {
  id: DETECTOR_ID,
  kinds: ["cost-increase", "security-policy", "scaling-change"],
  needsContent: true,
  appliesTo: isHelmValuesPath,
  maxInput: MANIFEST_MAX_INPUT,
  detect(file, settings): DetectionResult {
    const base = sideContent(file, "base");
    const head = sideContent(file, "head");
    if (base === undefined || head === undefined) {
      const reason = unreadContent(file);
      if (reason === undefined) return { findings: [], problems: [] };
      return {
        findings: [
          {
            kind: "cost-increase",
            path: file.path,
            detail: `${reason}; assumed to increase cost`,
            conservative: true,
          },
        ],
        problems: [{ path: file.path, detector: DETECTOR_ID, message: reason }],
      };
    }
    const after = readValues(head);
    const before = "error" in after ? after : readValues(base);
    if ("error" in after || "error" in before) {
      const reason =
        "error" in after ? after.error : `${(before as { error: string }).error} (base version)`;
      return {
        findings: [
          {
            kind: "scaling-change",
            path: file.path,
            detail: `unparseable values: ${reason}; assumed to change scaling`,
            conservative: true,
          },
        ],
        problems: [
          { path: file.path, detector: DETECTOR_ID, message: `unparseable values: ${reason}` },
        ],
      };
    }
    const findings: Finding[] = [
      ...scalingChanges(before, after),
      ...costChange(before, after, settings),
      ...securityChanges(before, after),
    ].map((c) => ({ ...c, path: file.path }));
    return { findings, problems: [] };
  },
};

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

interface Values {
  data: Json;
  lineOf(path: YamlPath): number | undefined;
}

function readValues(text: string | null): Values | { error: string } {
  if (text === null) return { data: {}, lineOf: () => undefined };
  const tooDeep = tooDeepToParse(text);
  if (tooDeep !== undefined) return { error: tooDeep };
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, ...UNTRUSTED_YAML });
  const error = doc.errors[0];
  if (error) return { error: describeYamlError(error, lineCounter) };
  const unsafe = unsafeForToJS(doc, lineCounter);
  if (unsafe !== undefined) return { error: unsafe };
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (e) {
    return { error: (e as Error).message };
  }
  const lineOf = (path: YamlPath): number | undefined => {
    const offset = startOffset(doc.contents, path);
    return offset === undefined ? undefined : lineCounter.linePos(offset).line;
  };
  return { data: asRecord(data) ?? {}, lineOf };
}

/** One workload's sizing as the values state it. */
interface Component {
  /** Dotted path of the mapping (`api`, `redis.replica`), "" at the top level. */
  key: string;
  path: YamlPath;
  /** `replicaCount` or `replicas`, and which of the two was written. */
  replicas?: number;
  replicasKey?: string;
  autoscaling: { enabled?: boolean; minReplicas?: number; maxReplicas?: number };
  /** Every leaf under `resources`, as written: `requests.cpu` → "500m". */
  resources: Map<string, string>;
}

const REPLICA_KEYS = ["replicaCount", "replicas"];

function integer(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) ? value : undefined;
}

/** Components: every mapping with `replicaCount`/`replicas`, a `resources` mapping or an `autoscaling` mapping. */
function components(data: Json): Map<string, Component> {
  const out = new Map<string, Component>();
  const visit = (node: Json, path: string[]): void => {
    const replicasKey = REPLICA_KEYS.find((k) => integer(own(node, k)) !== undefined);
    const resources = asRecord(own(node, "resources"));
    const autoscaling = asRecord(own(node, "autoscaling"));
    if (replicasKey !== undefined || resources !== undefined || autoscaling !== undefined) {
      out.set(path.join("."), {
        key: path.join("."),
        path,
        replicas: replicasKey === undefined ? undefined : integer(own(node, replicasKey)),
        replicasKey,
        autoscaling: {
          enabled: typeof autoscaling?.enabled === "boolean" ? autoscaling.enabled : undefined,
          minReplicas: integer(autoscaling?.minReplicas),
          maxReplicas: integer(autoscaling?.maxReplicas),
        },
        resources: leaves(resources),
      });
    }
    for (const [k, v] of Object.entries(node)) {
      const child = asRecord(v);
      if (child && k !== "resources" && k !== "autoscaling") visit(child, [...path, k]);
    }
  };
  visit(data, []);
  return out;
}

function leaves(
  record: Json | undefined,
  prefix = "",
  into = new Map<string, string>(),
): Map<string, string> {
  for (const [k, v] of Object.entries(record ?? {})) {
    const key = prefix === "" ? k : `${prefix}.${k}`;
    const child = asRecord(v);
    if (child) leaves(child, key, into);
    else if (typeof v === "string" || typeof v === "number") into.set(key, String(v));
  }
  return into;
}

// ---------------------------------------------------------------------------
// scaling-change
// ---------------------------------------------------------------------------

interface Change {
  kind: Finding["kind"];
  detail: string;
  line?: number;
  conservative?: true;
}

function label(c: { key: string }): string {
  return c.key === "" ? "values" : `values ${c.key}`;
}

function at(key: string, field: string): YamlPath {
  return [...(key === "" ? [] : key.split(".")), ...field.split(".")];
}

function scalingChanges(before: Values, after: Values): Change[] {
  const base = components(before.data);
  const head = components(after.data);
  const out: Change[] = [];
  const show = (v: unknown) => (v === undefined ? "unset" : String(v));
  for (const key of new Set([...head.keys(), ...base.keys()])) {
    const b = base.get(key);
    const h = head.get(key);
    const line = (field: string) =>
      (h ? after.lineOf(at(key, field)) : undefined) ?? before.lineOf(at(key, field));
    const name = label({ key });
    if (b?.replicas !== h?.replicas) {
      const field = h?.replicasKey ?? b?.replicasKey ?? "replicaCount";
      out.push({
        kind: "scaling-change",
        detail: `${name} ${field} ${show(b?.replicas)} → ${show(h?.replicas)}`,
        line: line(field),
      });
    }
    for (const field of ["enabled", "minReplicas", "maxReplicas"] as const) {
      const x = b?.autoscaling[field];
      const y = h?.autoscaling[field];
      if (x !== y)
        out.push({
          kind: "scaling-change",
          detail: `${name} autoscaling.${field} ${show(x)} → ${show(y)}`,
          line: line(`autoscaling.${field}`),
        });
    }
    const was = b?.resources ?? new Map<string, string>();
    const is = h?.resources ?? new Map<string, string>();
    for (const leaf of new Set([...is.keys(), ...was.keys()])) {
      if (sameQuantity(was.get(leaf), is.get(leaf))) continue;
      out.push({
        kind: "scaling-change",
        detail: `${name} resources.${leaf} ${show(was.get(leaf))} → ${show(is.get(leaf))}`,
        line: line(`resources.${leaf}`),
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// cost-increase
// ---------------------------------------------------------------------------

interface Priced {
  replicas: number;
  autoscaled: boolean;
  /** Undefined when the values set neither requests nor limits: the pod cannot be priced. */
  cpuCores?: number;
  memoryBytes?: number;
}

/** Replicas the component may run (the autoscaler's maximum when enabled; 1, `helm create`'s default, when unset). */
function pricedReplicas(c: Component | undefined): { replicas: number; autoscaled: boolean } {
  if (c?.autoscaling.enabled === true && c.autoscaling.maxReplicas !== undefined)
    return { replicas: c.autoscaling.maxReplicas, autoscaled: true };
  return { replicas: c?.replicas ?? (c ? 1 : 0), autoscaled: false };
}

/** Throws when a quantity is not a valid Kubernetes quantity. */
function price(c: Component | undefined): Priced {
  const { replicas, autoscaled } = pricedReplicas(c);
  const request = (resource: string): number | undefined => {
    const written =
      c?.resources.get(`requests.${resource}`) ?? c?.resources.get(`limits.${resource}`);
    return written === undefined ? undefined : parseQuantity(written);
  };
  const cpuCores = request("cpu");
  const memoryBytes = request("memory");
  if (cpuCores === undefined && memoryBytes === undefined) return { replicas, autoscaled };
  return { replicas, autoscaled, cpuCores: cpuCores ?? 0, memoryBytes: memoryBytes ?? 0 };
}

function monthly(p: Priced, settings: DetectorSettings): number {
  return (
    p.replicas *
    ((p.cpuCores ?? 0) * settings.cost.cpuMonth +
      ((p.memoryBytes ?? 0) / GIB) * settings.cost.memoryGiBMonth)
  );
}

function trimmed(n: number): string {
  return String(Number(n.toFixed(3)));
}

function replicaCount(p: Priced): string {
  return `${p.replicas}${p.autoscaled ? " (autoscaling max)" : ""}`;
}

/** `3 → 30 replicas × (1 vCPU, 0.5 → 2 GiB)`: only what moved shows an arrow. */
function describeChange(b: Priced, h: Priced): string {
  const arrow = (x: string, y: string) => (x === y ? y : `${x} → ${y}`);
  const cpu = arrow(trimmed(b.cpuCores ?? 0), trimmed(h.cpuCores ?? 0));
  const memory = arrow(trimmed((b.memoryBytes ?? 0) / GIB), trimmed((h.memoryBytes ?? 0) / GIB));
  return `${arrow(replicaCount(b), replicaCount(h))} replicas × (${cpu} vCPU, ${memory} GiB)`;
}

function costChange(before: Values, after: Values, settings: DetectorSettings): Change[] {
  const base = components(before.data);
  const head = components(after.data);
  let delta = 0;
  const clauses: { delta: number; text: string; line?: number }[] = [];
  const unpriced: Change[] = [];
  for (const key of new Set([...head.keys(), ...base.keys()])) {
    let b: Priced;
    let h: Priced;
    try {
      b = price(base.get(key));
      h = price(head.get(key));
    } catch {
      // An invalid quantity fails the chart's install too; the scaling change is already reported.
      continue;
    }
    const line =
      after.lineOf(at(key, head.get(key)?.replicasKey ?? "resources")) ??
      after.lineOf(at(key, "autoscaling"));
    if (h.cpuCores === undefined && h.replicas > b.replicas) {
      unpriced.push({
        kind: "cost-increase",
        detail:
          `${label({ key })}: replicas ${replicaCount(b)} → ${replicaCount(h)}, but the values set no resources requests or limits, ` +
          `so the cost cannot be estimated; assumed above ${money(settings.cost.threshold, settings.cost.currency)}/month ` +
          `(set resources.requests in the values to price it)`,
        line,
        conservative: true,
      });
      continue;
    }
    const d = monthly(h, settings) - monthly(b, settings);
    delta += d;
    if (Math.abs(d) < 0.005) continue;
    clauses.push({ delta: d, text: `${label({ key })}: ${describeChange(b, h)}`, line });
  }
  const out: Change[] = [...unpriced];
  if (delta > settings.cost.threshold) {
    clauses.sort((x, y) => y.delta - x.delta);
    const detail = `estimated +${money(delta, settings.cost.currency)}/month (${clauses.map((c) => c.text).join("; ")})`;
    out.push({ kind: "cost-increase", detail, line: clauses[0]?.line });
  }
  return out;
}

// ---------------------------------------------------------------------------
// security-policy
// ---------------------------------------------------------------------------

/** `a.b.c` → leaf value, for every scalar and list (lists compared whole). */
function flatten(
  value: unknown,
  prefix: string[] = [],
  into = new Map<string, { path: string[]; text: string }>(),
) {
  const record = asRecord(value);
  if (!record) {
    if (prefix.length > 0)
      into.set(prefix.join("."), { path: prefix, text: JSON.stringify(value) ?? "undefined" });
    return into;
  }
  for (const [k, v] of Object.entries(record)) flatten(v, [...prefix, k], into);
  return into;
}

function securityChanges(before: Values, after: Values): Change[] {
  const b = flatten(before.data);
  const a = flatten(after.data);
  // Grouped by the path up to the security key: `api.securityContext` (runAsUser, privileged).
  const groups = new Map<string, { fields: string[]; line?: number }>();
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    if (a.get(key)?.text === b.get(key)?.text) continue;
    const path = (a.get(key) ?? b.get(key))!.path;
    const at = path.findIndex((segment) => SECURITY_WORDS.test(segment));
    if (at === -1) continue;
    const group = path.slice(0, at + 1).join(".");
    const entry = groups.get(group) ?? {
      fields: [],
      line: after.lineOf(path.slice(0, at + 1)) ?? before.lineOf(path.slice(0, at + 1)),
    };
    const rest = path.slice(at + 1).join(".");
    if (rest !== "") entry.fields.push(rest);
    groups.set(group, entry);
  }
  return [...groups].map(([group, { fields, line }]) => ({
    kind: "security-policy" as const,
    detail: `values ${group} changed${fields.length > 0 ? ` (${fields.slice(0, 5).join(", ")}${fields.length > 5 ? `, ${fields.length - 5} more` : ""})` : ""}`,
    line,
  }));
}
