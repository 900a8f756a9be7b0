import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { kubernetesDetector } from "../../src/changes/kubernetes.js";
import type { ChangedFile, DetectorSettings } from "../../src/changes/types.js";

const settings: DetectorSettings = {
  cost: { cpuMonth: 25, memoryGiBMonth: 3.5, threshold: 500, currency: "USD" },
};
const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/changes/k8s/${name}`, import.meta.url), "utf8");
const chatApi = fixture("chat-api.yaml");

/** Replaces text that must be present, so a fixture edit cannot silently make a test vacuous. */
function edit(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`fixture does not contain ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

function modified(path: string, base: string, head: string): ChangedFile {
  return { path, status: "modified", base, head };
}

function detect(file: ChangedFile) {
  return kubernetesDetector.detect(file, settings);
}

function details(file: ChangedFile): string[] {
  return detect(file).findings.map((f) => `${f.kind}: ${f.detail}`);
}

describe("kubernetesDetector.appliesTo", () => {
  it("takes YAML files but not workflows or OpenAPI documents", () => {
    expect(kubernetesDetector.appliesTo("k8s/chat-api.yaml")).toBe(true);
    expect(kubernetesDetector.appliesTo("deploy/overlays/prod/kustomization.yml")).toBe(true);
    expect(kubernetesDetector.appliesTo(".github/workflows/ci.yml")).toBe(false);
    expect(kubernetesDetector.appliesTo("openapi.yaml")).toBe(false);
    expect(kubernetesDetector.appliesTo("src/api/swagger.yaml")).toBe(false);
    expect(kubernetesDetector.appliesTo("src/server.ts")).toBe(false);
    expect(kubernetesDetector.needsContent).toBe(true);
  });
});

describe("kubernetesDetector: scaling-change", () => {
  it("reports a replica change with its line", () => {
    const head = edit(chatApi, "replicas: 3", "replicas: 6");
    const { findings, problems } = detect(modified("k8s/chat-api.yaml", chatApi, head));
    expect(problems).toEqual([]);
    expect(findings).toEqual([
      {
        kind: "scaling-change",
        path: "k8s/chat-api.yaml",
        detail: "Deployment chat/api replicas 3 → 6",
        line: 11,
      },
    ]);
  });

  it("reports request and limit changes per container", () => {
    let head = edit(chatApi, "cpu: 250m", "cpu: 1");
    head = edit(head, "memory: 1Gi", "memory: 2Gi");
    expect(details(modified("k8s/chat-api.yaml", chatApi, head))).toEqual([
      "scaling-change: Deployment chat/api container api cpu request 250m → 1",
      "scaling-change: Deployment chat/api container api memory limit 1Gi → 2Gi",
    ]);
  });

  it("reports resources added to or removed from a container", () => {
    const head = edit(chatApi, '              cpu: "1"\n', "");
    expect(details(modified("k8s/chat-api.yaml", chatApi, head))).toEqual([
      "scaling-change: Deployment chat/api container api cpu limit 1 → unset",
    ]);
    const withGpu = edit(
      chatApi,
      "              memory: 1Gi\n",
      "              memory: 1Gi\n              nvidia.com/gpu: 1\n",
    );
    expect(details(modified("k8s/chat-api.yaml", chatApi, withGpu))).toEqual([
      "scaling-change: Deployment chat/api container api nvidia.com/gpu limit unset → 1",
    ]);
  });

  it("ignores a quantity rewritten with the same value", () => {
    const head = edit(
      edit(chatApi, 'cpu: "1"', "cpu: 1000m"),
      "memory: 512Mi",
      "memory: 536870912",
    );
    expect(detect(modified("k8s/chat-api.yaml", chatApi, head)).findings).toEqual([]);
  });

  it("reports HPA min and max changes", () => {
    const head = edit(
      edit(chatApi, "minReplicas: 3", "minReplicas: 2"),
      "maxReplicas: 10",
      "maxReplicas: 20",
    );
    const findings = detect(modified("k8s/chat-api.yaml", chatApi, head)).findings;
    expect(findings.map((f) => f.detail)).toEqual([
      "HorizontalPodAutoscaler chat/api minReplicas 3 → 2",
      "HorizontalPodAutoscaler chat/api maxReplicas 10 → 20",
    ]);
    expect(findings[1]?.line).toBe(chatApi.split("\n").indexOf("  maxReplicas: 10") + 1);
  });

  it("reports workloads and autoscalers added and removed", () => {
    const added = details({
      path: "k8s/redis.yaml",
      status: "added",
      base: null,
      head: fixture("redis-statefulset.yaml"),
    });
    expect(added).toEqual(["scaling-change: StatefulSet chat/redis added (1 replica)"]);

    const removed = detect({
      path: "k8s/chat-api.yaml",
      status: "removed",
      base: chatApi,
      head: null,
    }).findings;
    expect(removed.map((f) => f.detail)).toEqual([
      "Deployment chat/api removed",
      "HorizontalPodAutoscaler chat/api removed",
    ]);
    expect(removed[0]?.line).toBe(2); // in the base version

    const withoutHpa = chatApi.slice(0, chatApi.indexOf("---\napiVersion: autoscaling/v2"));
    expect(details(modified("k8s/chat-api.yaml", chatApi, withoutHpa))).toEqual([
      "scaling-change: HorizontalPodAutoscaler chat/api removed",
    ]);
  });

  it("reports a container added to a pod", () => {
    const sidecar = `        - name: otel-collector
          image: otel/opentelemetry-collector-contrib:0.104.0
          resources:
            requests: { cpu: 50m, memory: 64Mi }
`;
    const head = edit(
      chatApi,
      "---\napiVersion: v1\nkind: Service",
      `${sidecar}---\napiVersion: v1\nkind: Service`,
    );
    expect(details(modified("k8s/chat-api.yaml", chatApi, head))).toEqual([
      "scaling-change: Deployment chat/api container otel-collector added",
    ]);
  });

  it("compares what runs: an explicit replicas: 1 where it defaulted to 1 is no change", () => {
    const base = fixture("redis-statefulset.yaml").replace("  replicas: 1\n", "");
    expect(
      detect(modified("k8s/redis.yaml", base, fixture("redis-statefulset.yaml"))).findings,
    ).toEqual([]);
    const scaled = edit(fixture("redis-statefulset.yaml"), "replicas: 1", "replicas: 3");
    expect(details(modified("k8s/redis.yaml", base, scaled))).toEqual([
      "scaling-change: StatefulSet chat/redis replicas unset (1 by default) → 3",
    ]);
  });

  it("reads a kustomization's replicas field", () => {
    const base = fixture("kustomization.yaml");
    const head = edit(edit(base, "count: 4", "count: 6"), "  - name: worker\n    count: 2\n", "");
    const findings = detect(
      modified("deploy/overlays/prod/kustomization.yaml", base, head),
    ).findings;
    expect(findings.map((f) => f.detail)).toEqual([
      "kustomization replicas api 4 → 6",
      "kustomization replicas worker 2 → unset",
    ]);
    expect(findings[0]?.line).toBe(11);
    // Changing only the image tag in a kustomization is no scaling change.
    const retagged = edit(base, "newTag: 1.14.2", "newTag: 1.15.0");
    expect(
      detect(modified("deploy/overlays/prod/kustomization.yaml", base, retagged)).findings,
    ).toEqual([]);
  });

  it("reads Argo Rollouts and objects inside a List", () => {
    const rollout = (replicas: number) => `apiVersion: v1
kind: List
items:
  - apiVersion: argoproj.io/v1alpha1
    kind: Rollout
    metadata: { name: api, namespace: chat }
    spec:
      replicas: ${replicas}
      template:
        spec:
          containers: [{ name: api, image: "ghcr.io/acme/chat-api:1.14.2" }]
`;
    expect(details(modified("k8s/rollout.yaml", rollout(2), rollout(4)))).toEqual([
      "scaling-change: Rollout chat/api replicas 2 → 4",
    ]);
  });
});

describe("kubernetesDetector: what is not a scaling change", () => {
  it("ignores an image tag bump", () => {
    const head = edit(chatApi, "chat-api:1.14.2", "chat-api:1.15.0");
    expect(detect(modified("k8s/chat-api.yaml", chatApi, head))).toEqual({
      findings: [],
      problems: [],
    });
  });

  it("ignores labels, probes and Service changes", () => {
    let head = edit(
      chatApi,
      "    app.kubernetes.io/part-of: chat\nspec:",
      "    app.kubernetes.io/part-of: chat\n    team: messaging\nspec:",
    );
    head = edit(head, "periodSeconds: 20", "periodSeconds: 30");
    head = edit(head, "type: ClusterIP", "type: LoadBalancer");
    head = edit(head, "      port: 80", "      port: 8080");
    expect(detect(modified("k8s/chat-api.yaml", chatApi, head))).toEqual({
      findings: [],
      problems: [],
    });
  });

  it("ignores comments and formatting", () => {
    const head = `# Owned by the messaging team; see runbooks/chat-api.md\n${chatApi.replace("replicas: 3", "replicas: 3 # scaled by the HPA")}`;
    expect(detect(modified("k8s/chat-api.yaml", chatApi, head))).toEqual({
      findings: [],
      problems: [],
    });
  });

  it("returns nothing for YAML that is not Kubernetes", () => {
    const compose =
      "services:\n  api:\n    image: ghcr.io/acme/chat-api:1.14.2\n    deploy:\n      replicas: 2\n";
    expect(
      detect(
        modified("docker-compose.yml", compose, compose.replace("replicas: 2", "replicas: 4")),
      ),
    ).toEqual({
      findings: [],
      problems: [],
    });
    const values = "replicaCount: 2\nimage:\n  tag: 1.14.2\n";
    expect(detect(modified("config/values.yaml", values, "replicaCount: 3\n"))).toEqual({
      findings: [],
      problems: [],
    });
  });

  it("ignores a renamed file whose objects did not change", () => {
    const file: ChangedFile = {
      path: "deploy/chat-api.yaml",
      previousPath: "k8s/chat-api.yaml",
      status: "renamed",
      base: chatApi,
      head: chatApi,
    };
    expect(detect(file).findings).toEqual([]);
  });
});

describe("kubernetesDetector: env-var-added", () => {
  it("reports a new variable in a container's env", () => {
    const head = edit(
      chatApi,
      "            - name: LOG_LEVEL\n",
      "            - name: REDIS_URL\n              value: redis://redis.chat.svc.cluster.local:6379\n            - name: LOG_LEVEL\n",
    );
    const findings = detect(modified("k8s/chat-api.yaml", chatApi, head)).findings;
    expect(findings).toEqual([
      {
        kind: "env-var-added",
        path: "k8s/chat-api.yaml",
        detail: "Deployment chat/api container api: new env REDIS_URL",
        line: head.split("\n").indexOf("            - name: REDIS_URL") + 1,
      },
    ]);
  });

  it("reports a new envFrom source", () => {
    const head = edit(
      chatApi,
      "                name: chat-api-config\n",
      "                name: chat-api-config\n            - secretRef:\n                name: chat-api-secrets\n",
    );
    expect(details(modified("k8s/chat-api.yaml", chatApi, head))).toEqual([
      "env-var-added: Deployment chat/api container api: new envFrom secret chat-api-secrets",
    ]);
  });

  it("does not report changed values, removed or reordered variables", () => {
    let head = edit(chatApi, "value: info", "value: debug");
    head = edit(head, "            - name: NODE_ENV\n              value: production\n", "");
    expect(detect(modified("k8s/chat-api.yaml", chatApi, head)).findings).toEqual([]);
  });

  it("reports the variables of a new workload along with the workload", () => {
    const findings = details({
      path: "k8s/chat-api.yaml",
      status: "added",
      base: null,
      head: chatApi,
    });
    expect(findings).toEqual([
      "scaling-change: Deployment chat/api added (3 replicas)",
      "scaling-change: HorizontalPodAutoscaler chat/api added (3–10 replicas)",
      "env-var-added: Deployment chat/api container api: new env NODE_ENV",
      "env-var-added: Deployment chat/api container api: new env PORT",
      "env-var-added: Deployment chat/api container api: new env DATABASE_URL",
      "env-var-added: Deployment chat/api container api: new env LOG_LEVEL",
      "env-var-added: Deployment chat/api container api: new envFrom configMap chat-api-config",
    ]);
  });
});

describe("kubernetesDetector: files it cannot read", () => {
  it("reads a Helm template by its changed lines: replicas touched is a (conservative) scaling change", () => {
    const path = "charts/chat-api/templates/deployment.yaml";
    const base = fixture("helm-deployment.yaml");
    const head = edit(
      base,
      "replicas: {{ .Values.replicaCount }}",
      "replicas: {{ .Values.replicaCount | default 2 }}",
    );
    expect(detect(modified(path, base, head))).toEqual({
      findings: [
        {
          kind: "scaling-change",
          path,
          detail:
            "Helm template (not evaluated): changed lines touch replicas (line 9); assumed to change scaling",
          line: 9,
          conservative: true,
        },
      ],
      problems: [],
    });
  });

  it("classifies unparseable YAML that looks like a manifest conservatively", () => {
    const head = edit(chatApi, "      port: 80\n", "      port: 80\n     targetPort: http\n");
    const result = detect(modified("k8s/chat-api.yaml", chatApi, head));
    expect(result.findings).toMatchObject([{ kind: "scaling-change", conservative: true }]);
    expect(result.problems).toMatchObject([{ path: "k8s/chat-api.yaml", detector: "kubernetes" }]);
    expect(result.problems[0]?.message).toMatch(/^unparseable YAML: /);

    // Outside the manifest directories, the content mentioning apiVersion is enough.
    const elsewhere = detect(modified("ops/chat-api.yaml", chatApi, head));
    expect(elsewhere.findings).toMatchObject([{ kind: "scaling-change", conservative: true }]);
  });

  it("stays silent on broken YAML that is not a manifest", () => {
    expect(
      detect(
        modified("config/features.yaml", "flags:\n  typing: true\n", "flags:\n  typing: [true\n"),
      ),
    ).toEqual({
      findings: [],
      problems: [],
    });
  });

  it("is conservative when the content was not loaded", () => {
    const result = detect({
      path: "k8s/chat-api.yaml",
      status: "modified",
      patch: "@@ -11 +11 @@\n-  replicas: 3\n+  replicas: 6\n",
    });
    expect(result.findings).toMatchObject([{ kind: "scaling-change", conservative: true }]);
    expect(result.problems).toEqual([
      {
        path: "k8s/chat-api.yaml",
        detector: "kubernetes",
        message:
          "its content at base and head could not be loaded (GitHub gives no text for binary or very large files); keep the file text (no NUL bytes) and small enough for GitHub to return it",
      },
    ]);
  });
});

// Issue 11 §3: a Helm template is read tolerantly, the changed lines decide; seed 000 §4:
// "Scaling parameters: SRE Lead", "Auto-scaling policies: SRE Lead".
describe("kubernetesDetector: Helm templates", () => {
  const path = "charts/chat-api/templates/deployment.yaml";
  const base = fixture("helm-deployment.yaml");

  it("reports nothing for an image pin or a label", () => {
    const pinned = edit(
      base,
      ':{{ .Values.image.tag | default .Chart.AppVersion }}"',
      '@{{ .Values.image.digest }}"',
    );
    expect(detect(modified(path, base, pinned))).toEqual({ findings: [], problems: [] });
    const labelled = edit(
      base,
      '  labels:\n    {{- include "chat-api.labels" . | nindent 4 }}\n',
      '  labels:\n    {{- include "chat-api.labels" . | nindent 4 }}\n    team: chat\n',
    );
    expect(detect(modified(path, base, labelled))).toEqual({ findings: [], problems: [] });
  });

  it("reports the resources line, a new environment variable, and a new workload template", () => {
    const head = edit(
      base,
      "          resources:\n            {{- toYaml .Values.resources | nindent 12 }}",
      "          env:\n            - name: REDIS_URL\n              value: {{ .Values.redis.url | quote }}\n          resources:\n            {{- toYaml .Values.api.resources | nindent 12 }}",
    );
    expect(details(modified(path, base, head))).toEqual([
      "scaling-change: Helm template (not evaluated): changed lines touch resources (line 26); assumed to change scaling",
      "env-var-added: Helm template (not evaluated): new env REDIS_URL",
    ]);
    const worker = base.replace(/chat-api/g, "chat-worker");
    const added = detect({
      path: "charts/chat-api/templates/worker.yaml",
      status: "added",
      base: null,
      head: worker,
    });
    expect(added.findings.map((f) => [f.kind, f.line, f.conservative])).toEqual([
      ["scaling-change", 2, true],
    ]);
    expect(added.findings[0]?.detail).toBe(
      "Helm template (not evaluated): changed lines touch kind Deployment (line 2), autoscaling (line 8), replicas (line 9), containers (line 19), 1 more; assumed to change scaling",
    );
  });

  it("reports any change to an autoscaler template as scaling", () => {
    const hpa = [
      "apiVersion: autoscaling/v2",
      "kind: HorizontalPodAutoscaler",
      "metadata:",
      '  name: {{ include "chat-api.fullname" . }}',
      "spec:",
      "  behavior:",
      "    scaleDown: { stabilizationWindowSeconds: 300 }",
      "",
    ].join("\n");
    const head = edit(hpa, "300", "{{ .Values.scaleDownWindow }}");
    expect(details(modified("charts/chat-api/templates/hpa.yaml", hpa, head))).toEqual([
      "scaling-change: Helm template (not evaluated): changed lines touch HorizontalPodAutoscaler (line 7); assumed to change scaling",
    ]);
  });
});
