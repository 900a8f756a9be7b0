import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { costDetector, estimateMonthlyCost, money } from "../../src/changes/cost.js";
import { parseManifestFile, type K8sObject } from "../../src/changes/kubernetes-manifest.js";
import type { ChangedFile, DetectorSettings } from "../../src/changes/types.js";

const settings: DetectorSettings = {
  cost: { cpuMonth: 25, memoryGiBMonth: 3.5, threshold: 500, currency: "USD" },
};
const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/changes/k8s/${name}`, import.meta.url), "utf8");
const chatApi = fixture("chat-api.yaml");

function edit(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`fixture does not contain ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

function objects(text: string): K8sObject[] {
  const parsed = parseManifestFile("k8s/x.yaml", text);
  if (parsed.status !== "parsed") throw new Error(parsed.status);
  return parsed.manifest.objects;
}

/** The chat service's background worker, without an autoscaler. */
function worker(replicas: number, cpu: string, memory: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
  namespace: chat
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app.kubernetes.io/name: chat-worker
  template:
    metadata:
      labels:
        app.kubernetes.io/name: chat-worker
    spec:
      containers:
        - name: worker
          image: ghcr.io/acme/chat-api:1.14.2
          args: ["worker", "--queues=notifications,email"]
          resources:
            requests:
              cpu: ${cpu}
              memory: ${memory}
            limits:
              memory: ${memory}
`;
}

function modified(path: string, base: string, head: string): ChangedFile {
  return { path, status: "modified", base, head };
}

describe("estimateMonthlyCost", () => {
  it("prices a workload with an HPA at the HPA's maxReplicas", () => {
    // 10 (HPA max, not replicas: 3) × (0.25 vCPU × 25 + 0.5 GiB × 3.5) = 10 × 8
    expect(estimateMonthlyCost(objects(chatApi), settings)).toEqual({
      monthly: 80,
      workloads: [
        {
          key: "Deployment/chat/api",
          label: "Deployment chat/api",
          replicas: 10,
          replicaSource: "autoscaler-max",
          cpuCores: 0.25,
          memoryBytes: 512 * 2 ** 20,
          monthly: 80,
          line: 11,
        },
      ],
    });
  });

  it("prices spec replicas, and 1 replica when unset", () => {
    // 1 × (0.5 × 25 + 1 × 3.5)
    expect(estimateMonthlyCost(objects(fixture("redis-statefulset.yaml")), settings).monthly).toBe(
      16,
    );
    const unset = estimateMonthlyCost(
      objects(worker(3, "1", "2Gi").replace("  replicas: 3\n", "")),
      settings,
    );
    expect(unset.workloads).toMatchObject([{ replicas: 1, replicaSource: "default", monthly: 32 }]);
  });

  it("prices a container with only limits at its limits, which are then its requests", () => {
    const limitsOnly = `apiVersion: apps/v1
kind: Deployment
metadata: { name: worker, namespace: chat }
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: worker
          image: ghcr.io/acme/chat-api:1.14.2
          resources:
            limits: { cpu: "2", memory: 2Gi }
`;
    expect(estimateMonthlyCost(objects(limitsOnly), settings).monthly).toBe(2 * (2 * 25 + 2 * 3.5));
  });

  it("uses the effective pod request with init containers and sidecars", () => {
    const text = `apiVersion: apps/v1
kind: Deployment
metadata: { name: api, namespace: chat }
spec:
  replicas: 1
  template:
    spec:
      initContainers:
        - name: migrate
          image: ghcr.io/acme/chat-api:1.14.2
          resources: { requests: { cpu: "2", memory: 1Gi } }
        - name: cloud-sql-proxy
          image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.11.0
          restartPolicy: Always
          resources: { requests: { cpu: 250m, memory: 512Mi } }
      containers:
        - name: api
          image: ghcr.io/acme/chat-api:1.14.2
          resources: { requests: { cpu: 500m, memory: 1Gi } }
`;
    // cpu: max(0.25 + 0.5, 2) = 2; memory: max(0.5 + 1, 1) = 1.5 GiB
    expect(estimateMonthlyCost(objects(text), settings).workloads).toMatchObject([
      { cpuCores: 2, memoryBytes: 1.5 * 2 ** 30 },
    ]);
  });

  it("counts a DaemonSet as one pod and leaves Jobs and CronJobs out", () => {
    const text = `apiVersion: apps/v1
kind: DaemonSet
metadata: { name: node-exporter, namespace: monitoring }
spec:
  template:
    spec:
      containers: [{ name: exporter, image: "prom/node-exporter:v1.8.1", resources: { requests: { cpu: 100m, memory: 64Mi } } }]
---
apiVersion: batch/v1
kind: CronJob
metadata: { name: purge-messages, namespace: chat }
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{ name: purge, image: "ghcr.io/acme/chat-api:1.14.2", resources: { requests: { cpu: "4", memory: 8Gi } } }]
`;
    const estimate = estimateMonthlyCost(objects(text), settings);
    expect(estimate.workloads.map((w) => w.label)).toEqual(["DaemonSet monitoring/node-exporter"]);
    expect(estimate.monthly).toBeCloseTo(0.1 * 25 + (64 / 1024) * 3.5, 10);
  });

  it("prices containers without requests at nothing, and objects that are not workloads too", () => {
    const noResources = worker(4, "1", "1Gi").replace(/\s+resources:[\s\S]*$/, "\n");
    expect(estimateMonthlyCost(objects(noResources), settings).monthly).toBe(0);
    const service = chatApi.slice(
      chatApi.indexOf("apiVersion: v1\nkind: Service"),
      chatApi.indexOf("---\napiVersion: autoscaling"),
    );
    expect(estimateMonthlyCost(objects(service), settings)).toEqual({ monthly: 0, workloads: [] });
  });

  it("throws on an invalid quantity", () => {
    expect(() => estimateMonthlyCost(objects(worker(1, "one", "1Gi")), settings)).toThrow(
      /invalid Kubernetes quantity "one"/,
    );
  });
});

describe("costDetector", () => {
  it("applies to the same files as the kubernetes detector", () => {
    expect(costDetector.appliesTo("k8s/chat-api.yaml")).toBe(true);
    expect(costDetector.appliesTo(".github/workflows/ci.yml")).toBe(false);
    expect(costDetector.appliesTo("docs/openapi.yml")).toBe(false);
    expect(costDetector.needsContent).toBe(true);
  });

  it("reports an increase above the threshold, with the arithmetic", () => {
    // 9 more pods × (2 × 25 + 4 × 3.5 = 64) = 576
    const result = costDetector.detect(
      modified("k8s/worker.yaml", worker(3, "2", "4Gi"), worker(12, "2", "4Gi")),
      settings,
    );
    expect(result).toEqual({
      findings: [
        {
          kind: "cost-increase",
          path: "k8s/worker.yaml",
          detail:
            "estimated +$576.00/month (Deployment chat/worker: 3 → 12 replicas × (2 vCPU, 4 GiB))",
          line: 7,
        },
      ],
      problems: [],
    });
  });

  it("uses the HPA's maxReplicas as the worst case", () => {
    // 70 more pods × 8 = 560
    const head = edit(chatApi, "maxReplicas: 10", "maxReplicas: 80");
    expect(
      costDetector
        .detect(modified("k8s/chat-api.yaml", chatApi, head), settings)
        .findings.map((f) => f.detail),
    ).toEqual([
      "estimated +$560.00/month (Deployment chat/api: 10 → 80 replicas (HPA max) × (0.25 vCPU, 0.5 GiB))",
    ]);
    // Under an HPA, spec.replicas is only the starting point: raising it costs nothing more.
    const replicas = edit(chatApi, "replicas: 3", "replicas: 8");
    expect(
      costDetector.detect(modified("k8s/chat-api.yaml", chatApi, replicas), settings).findings,
    ).toEqual([]);
  });

  it("shows which per-pod resources moved", () => {
    // Fewer but much larger pods: 5 × (4 × 25 + 8 × 3.5) − 10 × 8 = 640 − 80 = 560
    let head = edit(chatApi, "cpu: 250m", 'cpu: "4"');
    head = edit(head, "memory: 512Mi", "memory: 8Gi");
    head = edit(head, "maxReplicas: 10", "maxReplicas: 5");
    head = edit(head, "minReplicas: 3", "minReplicas: 5");
    const [finding] = costDetector.detect(
      modified("k8s/chat-api.yaml", chatApi, head),
      settings,
    ).findings;
    expect(finding?.detail).toBe(
      "estimated +$560.00/month (Deployment chat/api: 10 → 5 replicas (HPA max) × (0.25 → 4 vCPU, 0.5 → 8 GiB))",
    );
  });

  it("stays silent for an increase of $300, below the $500 threshold", () => {
    // 16 pods × 0.75 vCPU more × 25 = 300
    const file = modified("k8s/worker.yaml", worker(16, "250m", "512Mi"), worker(16, "1", "512Mi"));
    expect(costDetector.detect(file, settings)).toEqual({ findings: [], problems: [] });
    // "above the threshold" is strict
    const atThreshold = { cost: { ...settings.cost, threshold: 300 } };
    expect(costDetector.detect(file, atThreshold).findings).toEqual([]);
    const justBelow = { cost: { ...settings.cost, threshold: 299.99 } };
    expect(costDetector.detect(file, justBelow).findings.map((f) => f.detail)).toEqual([
      "estimated +$300.00/month (Deployment chat/worker: 16 replicas × (0.25 → 1 vCPU, 0.5 GiB))",
    ]);
  });

  it("stays silent for decreases, removals and changes that cost nothing", () => {
    const down = modified("k8s/worker.yaml", worker(12, "2", "4Gi"), worker(3, "2", "4Gi"));
    expect(costDetector.detect(down, settings)).toEqual({ findings: [], problems: [] });
    const removed: ChangedFile = {
      path: "k8s/worker.yaml",
      status: "removed",
      base: worker(12, "2", "4Gi"),
      head: null,
    };
    expect(costDetector.detect(removed, settings)).toEqual({ findings: [], problems: [] });
    const retag = modified(
      "k8s/chat-api.yaml",
      chatApi,
      edit(chatApi, "chat-api:1.14.2", "chat-api:1.15.0"),
    );
    expect(costDetector.detect(retag, settings)).toEqual({ findings: [], problems: [] });
    const compose = modified(
      "docker-compose.yml",
      "services: {}\n",
      "services:\n  redis:\n    image: redis:7\n",
    );
    expect(costDetector.detect(compose, settings)).toEqual({ findings: [], problems: [] });
  });

  it("prices a new manifest as a whole", () => {
    const file: ChangedFile = {
      path: "k8s/worker.yaml",
      status: "added",
      base: null,
      head: worker(12, "2", "4Gi"),
    };
    expect(costDetector.detect(file, settings).findings.map((f) => f.detail)).toEqual([
      "estimated +$768.00/month (Deployment chat/worker: new, 12 replicas × (2 vCPU, 4 GiB))",
    ]);
  });

  it("lists every workload that moved, largest increase first", () => {
    const base = `${worker(3, "2", "4Gi")}---\n${fixture("redis-statefulset.yaml")}`;
    const head = `${worker(12, "2", "4Gi")}---\n${fixture("redis-statefulset.yaml").replace("replicas: 1", "replicas: 3")}---\n${chatApi}`;
    expect(
      costDetector
        .detect(modified("k8s/chat.yaml", base, head), settings)
        .findings.map((f) => f.detail),
    ).toEqual([
      "estimated +$688.00/month (Deployment chat/worker: 3 → 12 replicas × (2 vCPU, 4 GiB); " +
        "Deployment chat/api: new, 10 replicas (HPA max) × (0.25 vCPU, 0.5 GiB); " +
        "StatefulSet chat/redis: 1 → 3 replicas × (0.5 vCPU, 1 GiB))",
    ]);
  });

  it("leaves a Helm template to its values files, and reports a problem, no finding, when it cannot estimate", () => {
    // The chart's numbers are in its values files, which the helm-values detector prices.
    const path = "charts/chat-api/templates/deployment.yaml";
    const helm = fixture("helm-deployment.yaml");
    expect(
      costDetector.detect(modified(path, helm, helm.replace("nindent 12", "nindent 10")), settings),
    ).toEqual({
      findings: [],
      problems: [],
    });
    const invalid = costDetector.detect(
      modified("k8s/worker.yaml", worker(3, "1", "2Gi"), worker(30, "1", "2 GiB")),
      settings,
    );
    expect(invalid.findings).toEqual([]);
    expect(invalid.problems).toEqual([
      {
        path: "k8s/worker.yaml",
        detector: "cost",
        message: 'invalid Kubernetes quantity "2 GiB"; cost not estimated',
      },
    ]);
  });

  it("assumes an increase when the content was not loaded at all, wherever the file lives", () => {
    // GitHub's entry for an edited manifest whose blobs came back binary or truncated: nothing to read.
    const reason =
      "its content at base and head could not be loaded (GitHub gives no text for binary or very large files); keep the file text (no NUL bytes) and small enough for GitHub to return it";
    expect(
      costDetector.detect(
        { path: "ops/worker.yaml", status: "modified", additions: 1, deletions: 1, changes: 2 },
        settings,
      ),
    ).toEqual({
      findings: [
        {
          kind: "cost-increase",
          path: "ops/worker.yaml",
          detail: `${reason}; assumed to increase cost`,
          conservative: true,
        },
      ],
      problems: [{ path: "ops/worker.yaml", detector: "cost", message: reason }],
    });
    // A pure rename (both versions loaded and equal) costs nothing more; GitHub also counts a
    // binary file's edits as 0 changed lines, so the count alone proves nothing.
    const moved = {
      path: "ops/worker.yaml",
      previousPath: "k8s/worker.yaml",
      status: "renamed" as const,
      changes: 0,
    };
    const worker =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: worker\nspec:\n  replicas: 3\n";
    expect(costDetector.detect({ ...moved, base: worker, head: worker }, settings)).toEqual({
      findings: [],
      problems: [],
    });
    expect(costDetector.detect(moved, settings).findings).toMatchObject([
      { kind: "cost-increase", conservative: true },
    ]);
  });
});

describe("money", () => {
  it("formats amounts in the policy's currency", () => {
    expect(money(612.5, "USD")).toBe("$612.50");
    expect(money(1234.5, "EUR")).toBe("€1,234.50");
    expect(money(612.5, "not-a-currency")).toBe("612.50 not-a-currency");
  });
});
