/**
 * A monthly cost estimate of the workloads in a Kubernetes manifest, and the
 * `cost-increase` detector comparing it between base and head.
 *
 * The estimate prices what the scheduler reserves — resource *requests* — with the
 * policy's unit prices:
 *
 *   monthly = Σ workloads  replicas × (cpu cores × cpuMonth + memory GiB × memoryGiBMonth)
 *
 * Choices, each the one that errs towards asking finance rather than not:
 * - A workload targeted by a HorizontalPodAutoscaler in the same file is priced at
 *   the HPA's `maxReplicas` (the worst case), not at its `replicas`.
 * - A container with a limit but no request is priced at its limit, which is the
 *   request Kubernetes gives it.
 * - A pod's request is Kubernetes' effective request: the larger of its long-running
 *   containers' sum (app containers plus sidecars) and its largest init container.
 * - A DaemonSet counts as one pod: the number of nodes is not in the manifest.
 * - Jobs and CronJobs are not priced: they do not run for the whole month.
 */
import {
  autoscalerFor,
  autoscalers,
  isManifestYamlPath,
  parseQuantity,
  MANIFEST_MAX_INPUT,
  readManifestPair,
  workloads,
  type Container,
  type K8sObject,
  type Workload,
} from "./kubernetes-manifest.js";
import type { Detector, DetectionResult, DetectorSettings } from "./types.js";

const DETECTOR_ID = "cost";
const GIB = 2 ** 30;

/** Workload kinds that run continuously, and so cost money every month. */
const PRICED_KINDS = new Set([
  "Deployment",
  "StatefulSet",
  "ReplicaSet",
  "Rollout",
  "DaemonSet",
  "Pod",
]);

export type ReplicaSource = "spec" | "default" | "autoscaler-max";

export interface WorkloadCost {
  key: string;
  label: string;
  replicas: number;
  replicaSource: ReplicaSource;
  /** Requests of one pod. */
  cpuCores: number;
  memoryBytes: number;
  monthly: number;
  line?: number;
}

export interface CostEstimate {
  monthly: number;
  workloads: WorkloadCost[];
}

/**
 * Estimates the monthly cost of the objects of one manifest file. Pure; throws when a
 * request or limit is not a valid Kubernetes quantity.
 */
export function estimateMonthlyCost(
  manifests: readonly K8sObject[],
  settings: DetectorSettings,
): CostEstimate {
  const hpas = autoscalers(manifests);
  const costs: WorkloadCost[] = [];
  for (const w of workloads(manifests)) {
    if (!PRICED_KINDS.has(w.kind)) continue;
    const { replicas, source } = pricedReplicas(w, hpas);
    const { cpuCores, memoryBytes } = podRequests(w.containers);
    const perPod =
      cpuCores * settings.cost.cpuMonth + (memoryBytes / GIB) * settings.cost.memoryGiBMonth;
    costs.push({
      key: w.key,
      label: w.label,
      replicas,
      replicaSource: source,
      cpuCores,
      memoryBytes,
      monthly: replicas * perPod,
      line: w.object.lineOf(["spec", "replicas"]) ?? w.object.line,
    });
  }
  return { monthly: costs.reduce((sum, c) => sum + c.monthly, 0), workloads: costs };
}

function pricedReplicas(
  w: Workload,
  hpas: ReturnType<typeof autoscalers>,
): { replicas: number; source: ReplicaSource } {
  const max = autoscalerFor(w, hpas)?.maxReplicas;
  if (max !== undefined) return { replicas: max, source: "autoscaler-max" };
  if (w.replicas !== undefined) return { replicas: w.replicas, source: "spec" };
  return { replicas: w.defaultReplicas ?? 1, source: "default" };
}

function containerRequest(c: Container, resource: "cpu" | "memory"): number {
  const written = c.requests[resource] ?? c.limits[resource];
  return written === undefined ? 0 : parseQuantity(written);
}

function podRequests(containers: readonly Container[]): { cpuCores: number; memoryBytes: number } {
  const effective = (resource: "cpu" | "memory"): number => {
    let running = 0;
    let largestInit = 0;
    for (const c of containers) {
      const request = containerRequest(c, resource);
      if (c.role === "init") largestInit = Math.max(largestInit, request);
      else running += request;
    }
    return Math.max(running, largestInit);
  };
  return { cpuCores: effective("cpu"), memoryBytes: effective("memory") };
}

// ---------------------------------------------------------------------------
// The detector
// ---------------------------------------------------------------------------

export const costDetector: Detector = {
  id: DETECTOR_ID,
  kinds: ["cost-increase"],
  needsContent: true,
  appliesTo: isManifestYamlPath,
  maxInput: MANIFEST_MAX_INPUT,
  detect(file, settings): DetectionResult {
    const pair = readManifestPair(file);
    if (pair.status === "not-kubernetes") return { findings: [], problems: [] };
    // A template's numbers come from the chart's values files, which helm-values.ts prices.
    if (pair.status === "helm-template") return { findings: [], problems: [] };
    // An unreadable manifest is reported, but not assumed to cost money: the
    // kubernetes detector already classifies it as a (conservative) scaling change.
    if (pair.status === "unreadable")
      return problem(file.path, `${pair.reason}; cost not estimated`);
    // Content that was not loaded at all says nothing, not even that it is a template.
    if (pair.status === "unloaded") {
      return {
        findings: [
          {
            kind: "cost-increase",
            path: file.path,
            detail: `${pair.reason}; assumed to increase cost`,
            conservative: true,
          },
        ],
        problems: [{ path: file.path, detector: DETECTOR_ID, message: pair.reason }],
      };
    }
    let base: CostEstimate;
    let head: CostEstimate;
    try {
      base = estimateMonthlyCost(pair.base.objects, settings);
      head = estimateMonthlyCost(pair.head.objects, settings);
    } catch (error) {
      return problem(file.path, `${(error as Error).message}; cost not estimated`);
    }
    const delta = head.monthly - base.monthly;
    if (!(delta > settings.cost.threshold)) return { findings: [], problems: [] };
    const changed = changedWorkloads(base, head);
    const detail = `estimated +${money(delta, settings.cost.currency)}/month (${changed.map((c) => c.text).join("; ")})`;
    return {
      findings: [{ kind: "cost-increase", path: file.path, detail, line: changed[0]?.line }],
      problems: [],
    };
  },
};

function problem(path: string, message: string): DetectionResult {
  return { findings: [], problems: [{ path, detector: DETECTOR_ID, message }] };
}

/** Workloads whose cost moved, largest increase first, each described in one clause. */
function changedWorkloads(
  base: CostEstimate,
  head: CostEstimate,
): { text: string; line?: number }[] {
  const baseByKey = new Map(base.workloads.map((w) => [w.key, w]));
  const headKeys = new Set(head.workloads.map((w) => w.key));
  const rows: { delta: number; text: string; line?: number }[] = [];
  for (const h of head.workloads) {
    const b = baseByKey.get(h.key);
    const delta = h.monthly - (b?.monthly ?? 0);
    if (Math.abs(delta) < 0.005) continue;
    rows.push({
      delta,
      text: `${h.label}: ${b ? describeChange(b, h) : `new, ${describePods(h)}`}`,
      line: h.line,
    });
  }
  for (const b of base.workloads) {
    if (!headKeys.has(b.key) && b.monthly > 0)
      rows.push({ delta: -b.monthly, text: `${b.label}: removed` });
  }
  return rows.sort((x, y) => y.delta - x.delta);
}

function replicaNote(w: WorkloadCost): string {
  return w.replicaSource === "autoscaler-max" ? " (HPA max)" : "";
}

function describePods(w: WorkloadCost): string {
  const replicas = `${w.replicas} replica${w.replicas === 1 ? "" : "s"}${replicaNote(w)}`;
  return `${replicas} × (${cores(w.cpuCores)} vCPU, ${gib(w.memoryBytes)} GiB)`;
}

/** `3 → 12 replicas × (1 vCPU, 0.5 → 2 GiB)`: only what moved shows an arrow. */
function describeChange(b: WorkloadCost, h: WorkloadCost): string {
  const arrow = (x: string, y: string) => (x === y ? y : `${x} → ${y}`);
  const replicas = arrow(String(b.replicas), String(h.replicas));
  const plural = h.replicas === 1 && b.replicas === 1 ? "replica" : "replicas";
  const cpu = arrow(cores(b.cpuCores), cores(h.cpuCores));
  const memory = arrow(gib(b.memoryBytes), gib(h.memoryBytes));
  return `${replicas} ${plural}${replicaNote(h)} × (${cpu} vCPU, ${memory} GiB)`;
}

function trimmed(n: number, decimals: number): string {
  return String(Number(n.toFixed(decimals)));
}

function cores(n: number): string {
  return trimmed(n, 3);
}

function gib(bytes: number): string {
  return trimmed(bytes / GIB, 3);
}

/** `$612.50` for USD; an unknown currency code falls back to `612.50 XYZ`. */
export function money(amount: number, currency: string): string {
  try {
    return new Intl.NumberFormat("en-US", {
      style: "currency",
      currency,
      minimumFractionDigits: 2,
    }).format(amount);
  } catch {
    return `${amount.toFixed(2)} ${currency}`;
  }
}
