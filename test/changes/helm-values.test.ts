import { describe, expect, it } from "vitest";
import { helmValuesDetector, isHelmValuesPath } from "../../src/changes/helm-values.js";
import { classify, detectorsFor } from "../../src/changes/registry.js";
import type { ChangedFile, DetectorSettings } from "../../src/changes/types.js";

// chat-backend's prices: $25 per vCPU-month, $3.50 per GiB-month, Finance above $500/month.
const settings: DetectorSettings = {
  cost: { cpuMonth: 25, memoryGiBMonth: 3.5, threshold: 500, currency: "USD" },
};
const PATH = "deploy/helm/api/values-production.yaml";

/** A `helm create` values file, as charts ship it. */
const values = (replicaCount: number, cpu: string, memory: string) => `# Default values for api.
replicaCount: ${replicaCount}

image:
  repository: ghcr.io/acme/chat-api
  pullPolicy: IfNotPresent
  tag: "1.42.0"

serviceAccount:
  create: true
  name: ""

podSecurityContext: {}

service:
  type: ClusterIP
  port: 80

resources:
  requests:
    cpu: ${cpu}
    memory: ${memory}
  limits:
    memory: ${memory}

autoscaling:
  enabled: false
  minReplicas: 1
  maxReplicas: 100
  targetCPUUtilizationPercentage: 80
`;

function modified(base: string, head: string, path = PATH): ChangedFile {
  return { path, status: "modified", base, head };
}

function summary(file: ChangedFile) {
  return helmValuesDetector.detect(file, settings).findings.map((f) => [f.kind, f.detail, f.line]);
}

describe("helmValuesDetector.appliesTo", () => {
  it("takes a chart's values files in any layout, not templates or other YAML", () => {
    for (const path of [
      "deploy/helm/api/values-production.yaml",
      "charts/chat-api/values.yaml",
      "values.prod.yml",
      "helm/values-staging.yaml",
    ]) {
      expect(isHelmValuesPath(path)).toBe(true);
    }
    for (const path of [
      "charts/chat-api/templates/values.yaml",
      "k8s/api.yaml",
      "config/values.json",
      "docs/values.md",
      "myvalues.yaml",
    ]) {
      expect(isHelmValuesPath(path)).toBe(false);
    }
    expect(helmValuesDetector.needsContent).toBe(true);
  });
});

// Seed 000 §4 Infrastructure: "Scaling parameters: SRE Lead", "Resource provisioning: SRE Lead
// (with Finance approval for >$500/month)"; issue 11 §3: 3 → 30 replicas must reach Finance.
describe("helmValuesDetector: scaling and cost", () => {
  it("prices replicaCount 3 → 30 above the threshold: scaling-change and cost-increase", () => {
    const base = values(3, "1", "2Gi");
    expect(summary(modified(base, values(30, "1", "2Gi")))).toEqual([
      ["scaling-change", "values replicaCount 3 → 30", 2],
      // 27 more pods × (1 vCPU × $25 + 2 GiB × $3.50) = 27 × $32 = $864.
      ["cost-increase", "estimated +$864.00/month (values: 3 → 30 replicas × (1 vCPU, 2 GiB))", 2],
    ]);
  });

  it("reports a scaling change below the threshold without cost-increase", () => {
    const base = values(3, "1", "2Gi");
    // 2 more pods × $32 = $64.
    expect(summary(modified(base, values(5, "1", "2Gi")))).toEqual([
      ["scaling-change", "values replicaCount 3 → 5", 2],
    ]);
  });

  it("prices resources per pod, and reads quantities as Kubernetes does", () => {
    const base = values(12, "500m", "512Mi");
    expect(summary(modified(base, values(12, "2", "4Gi")))).toEqual([
      ["scaling-change", "values resources.requests.cpu 500m → 2", 21],
      ["scaling-change", "values resources.requests.memory 512Mi → 4Gi", 22],
      ["scaling-change", "values resources.limits.memory 512Mi → 4Gi", 24],
      // 12 × ((2 − 0.5) × $25 + (4 − 0.5) × $3.50) = 12 × $49.75.
      [
        "cost-increase",
        "estimated +$597.00/month (values: 12 replicas × (0.5 → 2 vCPU, 0.5 → 4 GiB))",
        2,
      ],
    ]);
    // The same quantity written another way is no change.
    expect(summary(modified(base, values(12, "0.5", "536870912")))).toEqual([]);
  });

  it("prices an enabled autoscaler at its maximum, and each component of an umbrella chart on its own", () => {
    const base = `api:\n  replicaCount: 2\n  resources:\n    requests: { cpu: "1", memory: 1Gi }\n  autoscaling:\n    enabled: false\n    maxReplicas: 40\nworker:\n  replicas: 1\n  resources:\n    requests: { cpu: 250m, memory: 256Mi }\n`;
    const head = base.replace("enabled: false", "enabled: true");
    expect(summary(modified(base, head, "charts/chat/values.yaml"))).toEqual([
      ["scaling-change", "values api autoscaling.enabled false → true", 6],
      // 40 − 2 = 38 more pods × (1 × $25 + 1 × $3.50) = $1,083.
      [
        "cost-increase",
        "estimated +$1,083.00/month (values api: 2 → 40 (autoscaling max) replicas × (1 vCPU, 1 GiB))",
        2,
      ],
    ]);
    const workerOnly = base.replace("replicas: 1", "replicas: 4");
    expect(summary(modified(base, workerOnly, "charts/chat/values.yaml"))).toEqual([
      ["scaling-change", "values worker replicas 1 → 4", 9],
    ]);
  });

  it("assumes an unpriceable replica increase crosses the threshold, and says how to price it", () => {
    // values-production.yaml often overrides only the count; the requests live in values.yaml.
    const result = helmValuesDetector.detect(
      modified("replicaCount: 3\n", "replicaCount: 30\n"),
      settings,
    );
    expect(result.findings).toEqual([
      { kind: "scaling-change", path: PATH, detail: "values replicaCount 3 → 30", line: 1 },
      {
        kind: "cost-increase",
        path: PATH,
        detail:
          "values: replicas 3 → 30, but the values set no resources requests or limits, so the cost cannot be estimated; " +
          "assumed above $500.00/month (set resources.requests in the values to price it)",
        line: 1,
        conservative: true,
      },
    ]);
    // Fewer replicas cost nothing more, priced or not.
    expect(summary(modified("replicaCount: 30\n", "replicaCount: 3\n"))).toEqual([
      ["scaling-change", "values replicaCount 30 → 3", 1],
    ]);
  });

  it("reports nothing for an image pin or other values", () => {
    const base = values(3, "1", "2Gi");
    const head = base.replace('tag: "1.42.0"', 'tag: "1.43.0"').replace("port: 80", "port: 8080");
    expect(helmValuesDetector.detect(modified(base, head), settings)).toEqual({
      findings: [],
      problems: [],
    });
  });
});

describe("helmValuesDetector: security", () => {
  it("reports changes under pod privileges, service accounts and RBAC by path, never by value", () => {
    const base = values(3, "1", "2Gi");
    const head = base
      .replace("podSecurityContext: {}", "podSecurityContext:\n  runAsUser: 0\n  fsGroup: 0")
      .replace('  name: ""', '  name: "chat-admin"');
    expect(summary(modified(base, head))).toEqual([
      ["security-policy", "values serviceAccount changed (name)", 9],
      ["security-policy", "values podSecurityContext changed (runAsUser, fsGroup)", 13],
    ]);
  });
});

describe("helmValuesDetector: files it cannot read", () => {
  it("assumes a cost increase when the content was not loaded, and a scaling change when it does not parse", () => {
    const unloaded = helmValuesDetector.detect(
      { path: PATH, status: "modified", additions: 1, deletions: 1, changes: 2 },
      settings,
    );
    expect(unloaded.findings).toMatchObject([{ kind: "cost-increase", conservative: true }]);
    expect(unloaded.problems).toMatchObject([{ path: PATH, detector: "helm-values" }]);
    const broken = helmValuesDetector.detect(
      modified("replicaCount: 3\n", "replicaCount: [3\n"),
      settings,
    );
    expect(broken.findings).toMatchObject([{ kind: "scaling-change", conservative: true }]);
    expect(broken.problems[0]?.message).toMatch(/^unparseable values: /);
  });

  it("is registered: classify reads values files with it", () => {
    expect(detectorsFor({ path: PATH }).map((d) => d.id)).toContain("helm-values");
    const { findings } = classify(
      [modified(values(3, "1", "2Gi"), values(30, "1", "2Gi"))],
      settings,
    );
    expect(findings.map((f) => f.kind)).toEqual(["scaling-change", "cost-increase"]);
  });
});
