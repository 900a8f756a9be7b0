/**
 * Kubernetes manifests: what changed in how workloads scale, and which
 * environment variables they newly receive.
 *
 * Base and head are compared object by object (`Kind/namespace/name`), so
 * reformatting, comments, image tags, labels and non-workload objects (Services,
 * ConfigMaps, Ingresses) produce nothing here.
 */
import {
  autoscalers,
  effectiveReplicas,
  isManifestYamlPath,
  own,
  MANIFEST_MAX_INPUT,
  readManifestPair,
  sameQuantity,
  workloads,
  type Autoscaler,
  type Container,
  type KustomizeReplicas,
  type ParsedManifest,
  type Workload,
} from "./kubernetes-manifest.js";
import { helmTemplateChanges } from "./helm-template.js";
import type { ChangeKind, Detector, DetectionResult, Finding } from "./types.js";

const DETECTOR_ID = "kubernetes";

/** A finding before the file path is attached. */
interface Change {
  kind: ChangeKind;
  detail: string;
  line?: number;
}

export const kubernetesDetector: Detector = {
  id: DETECTOR_ID,
  kinds: ["scaling-change", "env-var-added"],
  needsContent: true,
  appliesTo: isManifestYamlPath,
  maxInput: MANIFEST_MAX_INPUT,
  detect(file): DetectionResult {
    const pair = readManifestPair(file);
    if (pair.status === "not-kubernetes") return { findings: [], problems: [] };
    if (pair.status === "helm-template") {
      // The changed lines decide; security is the security-policy detector's.
      const changes = helmTemplateChanges(file, pair.base, pair.head).filter(
        (c) => c.kind !== "security-policy",
      );
      return {
        findings: changes.map((c) => ({ ...c, path: file.path, conservative: true })),
        problems: [],
      };
    }
    if (pair.status === "unreadable" || pair.status === "unloaded") {
      // We cannot tell what changed, so assume the most severe kind we emit.
      return {
        findings: [
          {
            kind: "scaling-change",
            path: file.path,
            detail: `${pair.reason}; assumed to change scaling`,
            conservative: true,
          },
        ],
        problems: [{ path: file.path, detector: DETECTOR_ID, message: pair.reason }],
      };
    }
    const changes = [...scalingChanges(pair.base, pair.head), ...envChanges(pair.base, pair.head)];
    const findings: Finding[] = changes.map((c) => ({ ...c, path: file.path }));
    return { findings, problems: [] };
  },
};

// ---------------------------------------------------------------------------
// scaling-change
// ---------------------------------------------------------------------------

function scalingChanges(base: ParsedManifest, head: ParsedManifest): Change[] {
  return [
    ...workloadScaling(workloads(base.objects), workloads(head.objects)),
    ...autoscalerScaling(autoscalers(base.objects), autoscalers(head.objects)),
    ...kustomizeScaling(base.kustomizeReplicas, head.kustomizeReplicas),
  ];
}

function scaling(detail: string, line: number | undefined): Change {
  return { kind: "scaling-change", detail, line };
}

function byKey<T extends { key: string }>(items: readonly T[]): Map<string, T> {
  return new Map(items.map((i) => [i.key, i]));
}

function workloadScaling(base: Workload[], head: Workload[]): Change[] {
  const out: Change[] = [];
  const baseByKey = byKey(base);
  const headByKey = byKey(head);
  for (const h of head) {
    const b = baseByKey.get(h.key);
    if (!b) {
      const replicas = effectiveReplicas(h);
      const summary =
        replicas !== undefined ? ` (${replicas} replica${replicas === 1 ? "" : "s"})` : "";
      out.push(scaling(`${h.label} added${summary}`, h.object.line));
      continue;
    }
    out.push(...replicaChange(b, h), ...containerScaling(b, h));
  }
  for (const b of base) {
    if (!headByKey.has(b.key)) out.push(scaling(`${b.label} removed`, b.object.line));
  }
  return out;
}

function describeReplicas(w: Workload): string {
  return w.replicas !== undefined
    ? String(w.replicas)
    : `unset (${w.defaultReplicas ?? "?"} by default)`;
}

function replicaChange(b: Workload, h: Workload): Change[] {
  // Compare what runs, not what is written: adding an explicit `replicas: 1` changes nothing.
  if (effectiveReplicas(b) === effectiveReplicas(h)) return [];
  const line = h.object.lineOf(["spec", "replicas"]) ?? h.object.line;
  return [scaling(`${h.label} replicas ${describeReplicas(b)} → ${describeReplicas(h)}`, line)];
}

function containerLabel(c: Container): string {
  const prefix =
    c.role === "app" ? "container" : c.role === "init" ? "init container" : "sidecar container";
  return `${prefix} ${c.name}`;
}

function containerScaling(b: Workload, h: Workload): Change[] {
  const out: Change[] = [];
  const baseContainers = new Map(b.containers.map((c) => [c.name, c]));
  const headNames = new Set(h.containers.map((c) => c.name));
  for (const hc of h.containers) {
    const bc = baseContainers.get(hc.name);
    // A new container adds to every pod's footprint even when it declares no resources.
    if (!bc) out.push(scaling(`${h.label} ${containerLabel(hc)} added`, hc.line));
    else out.push(...resourceChanges(h, bc, hc));
  }
  for (const bc of b.containers) {
    if (!headNames.has(bc.name))
      out.push(scaling(`${h.label} ${containerLabel(bc)} removed`, h.object.line));
  }
  return out;
}

/** cpu and memory first, then any other resource (GPUs, ephemeral-storage) by name. */
function resourceOrder(names: Iterable<string>): string[] {
  const rank = (n: string) => (n === "cpu" ? 0 : n === "memory" ? 1 : 2);
  return [...new Set(names)].sort((x, y) => rank(x) - rank(y) || x.localeCompare(y));
}

function resourceChanges(w: Workload, b: Container, h: Container): Change[] {
  const out: Change[] = [];
  for (const [field, word] of [
    ["requests", "request"],
    ["limits", "limit"],
  ] as const) {
    const before = b[field];
    const after = h[field];
    for (const resource of resourceOrder([...Object.keys(before), ...Object.keys(after)])) {
      const x = own(before, resource);
      const y = own(after, resource);
      if (sameQuantity(x, y)) continue;
      const line = w.object.lineOf([...h.path, "resources", field, resource]) ?? h.line;
      out.push(
        scaling(
          `${w.label} ${containerLabel(h)} ${resource} ${word} ${x ?? "unset"} → ${y ?? "unset"}`,
          line,
        ),
      );
    }
  }
  return out;
}

function describeRange(a: Autoscaler): string {
  return `${a.minReplicas}–${a.maxReplicas ?? "?"} replicas`;
}

function autoscalerScaling(base: Autoscaler[], head: Autoscaler[]): Change[] {
  const out: Change[] = [];
  const baseByKey = byKey(base);
  const headByKey = byKey(head);
  for (const h of head) {
    const b = baseByKey.get(h.key);
    if (!b) {
      out.push(scaling(`${h.label} added (${describeRange(h)})`, h.object.line));
      continue;
    }
    if (b.minReplicas !== h.minReplicas) {
      const line = h.object.lineOf(["spec", "minReplicas"]) ?? h.object.line;
      out.push(scaling(`${h.label} minReplicas ${b.minReplicas} → ${h.minReplicas}`, line));
    }
    if (b.maxReplicas !== h.maxReplicas) {
      const line = h.object.lineOf(["spec", "maxReplicas"]) ?? h.object.line;
      out.push(
        scaling(
          `${h.label} maxReplicas ${b.maxReplicas ?? "unset"} → ${h.maxReplicas ?? "unset"}`,
          line,
        ),
      );
    }
    const target = (a: Autoscaler) => (a.target ? `${a.target.kind} ${a.target.name}` : "unset");
    if (target(b) !== target(h)) {
      const line = h.object.lineOf(["spec", "scaleTargetRef"]) ?? h.object.line;
      out.push(scaling(`${h.label} scaleTargetRef ${target(b)} → ${target(h)}`, line));
    }
  }
  for (const b of base) {
    if (!headByKey.has(b.key)) out.push(scaling(`${b.label} removed`, b.object.line));
  }
  return out;
}

function kustomizeScaling(base: KustomizeReplicas[], head: KustomizeReplicas[]): Change[] {
  const out: Change[] = [];
  const baseByName = new Map(base.map((r) => [r.name, r]));
  const headNames = new Set(head.map((r) => r.name));
  for (const h of head) {
    const before = baseByName.get(h.name)?.count;
    if (before === h.count) continue;
    out.push(scaling(`kustomization replicas ${h.name} ${before ?? "unset"} → ${h.count}`, h.line));
  }
  for (const b of base) {
    if (!headNames.has(b.name))
      out.push(scaling(`kustomization replicas ${b.name} ${b.count} → unset`, undefined));
  }
  return out;
}

// ---------------------------------------------------------------------------
// env-var-added
// ---------------------------------------------------------------------------

/**
 * New variable names in a container's `env:` and new `envFrom:` sources. A new
 * workload or container brings all its variables: the application now needs them
 * wherever it is deployed.
 */
function envChanges(base: ParsedManifest, head: ParsedManifest): Change[] {
  const out: Change[] = [];
  const baseByKey = byKey(workloads(base.objects));
  for (const w of workloads(head.objects)) {
    const baseContainers = new Map(
      (baseByKey.get(w.key)?.containers ?? []).map((c) => [c.name, c]),
    );
    for (const c of w.containers)
      out.push(...containerEnvChanges(w, baseContainers.get(c.name), c));
  }
  return out;
}

function envFromKey(s: { type: string; name: string }): string {
  return `${s.type} ${s.name}`;
}

function containerEnvChanges(w: Workload, b: Container | undefined, h: Container): Change[] {
  const out: Change[] = [];
  const known = new Set(b?.env.map((e) => e.name));
  for (const e of h.env) {
    if (known.has(e.name)) continue;
    known.add(e.name); // a name listed twice is still one new variable
    out.push({
      kind: "env-var-added",
      detail: `${w.label} ${containerLabel(h)}: new env ${e.name}`,
      line: e.line,
    });
  }
  const knownSources = new Set(b?.envFrom.map(envFromKey));
  for (const s of h.envFrom) {
    if (knownSources.has(envFromKey(s))) continue;
    knownSources.add(envFromKey(s));
    const prefix = s.prefix !== undefined ? ` (prefix ${s.prefix})` : "";
    out.push({
      kind: "env-var-added",
      detail: `${w.label} ${containerLabel(h)}: new envFrom ${envFromKey(s)}${prefix}`,
      line: s.line,
    });
  }
  return out;
}
