import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  autoscalerFor,
  autoscalers,
  effectiveReplicas,
  isHelmTemplate,
  isManifestYamlPath,
  parseManifestFile,
  parseQuantity,
  readManifestPair,
  sameQuantity,
  workloads,
  type ParsedManifest,
} from "../../src/changes/kubernetes-manifest.js";

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/changes/k8s/${name}`, import.meta.url), "utf8");

function parsed(path: string, text: string): ParsedManifest {
  const result = parseManifestFile(path, text);
  if (result.status !== "parsed")
    throw new Error(`expected ${path} to parse, got ${result.status}`);
  return result.manifest;
}

describe("parseQuantity", () => {
  // The examples of https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
  it("reads CPU quantities as cores", () => {
    expect(parseQuantity("500m")).toBe(0.5);
    expect(parseQuantity("0.5")).toBe(0.5);
    expect(parseQuantity(0.5)).toBe(0.5); // a YAML number
    expect(parseQuantity("2")).toBe(2);
    expect(parseQuantity("100m")).toBe(0.1);
    expect(parseQuantity("1")).toBe(parseQuantity("1000m"));
  });

  it("reads the documented memory quantities (all roughly the same value) as bytes", () => {
    expect(parseQuantity("128974848")).toBe(128974848);
    expect(parseQuantity(128974848)).toBe(128974848);
    expect(parseQuantity("129e6")).toBe(129e6);
    expect(parseQuantity("129M")).toBe(129e6);
    expect(parseQuantity("128974848000m")).toBe(128974848);
    expect(parseQuantity("123Mi")).toBe(123 * 2 ** 20);
    expect(parseQuantity("123Mi")).toBe(128974848);
  });

  it("reads decimal and binary suffixes and exponents", () => {
    expect(parseQuantity("1e3")).toBe(1000);
    expect(parseQuantity("1E3")).toBe(1000);
    expect(parseQuantity("1k")).toBe(1000);
    expect(parseQuantity("1G")).toBe(1e9);
    expect(parseQuantity("1T")).toBe(1e12);
    expect(parseQuantity("1P")).toBe(1e15);
    expect(parseQuantity("1E")).toBe(1e18); // "E" alone is exa, not an exponent
    expect(parseQuantity("500Ki")).toBe(500 * 1024);
    expect(parseQuantity("4Gi")).toBe(4 * 2 ** 30);
    expect(parseQuantity("1.5Gi")).toBe(1.5 * 2 ** 30);
    expect(parseQuantity("1Ti")).toBe(2 ** 40);
    expect(parseQuantity("1Pi")).toBe(2 ** 50);
    expect(parseQuantity("1Ei")).toBe(2 ** 60);
    expect(parseQuantity(".5")).toBe(0.5);
    expect(parseQuantity("+2")).toBe(2);
  });

  it("rejects what the API server rejects", () => {
    for (const bad of [
      "",
      "abc",
      "1.5.5",
      "1 Gi",
      "Gi",
      "1GB",
      "1gi",
      "1mi",
      "1K",
      "--1",
      "1e",
      "0x10",
      " 1",
    ]) {
      expect(() => parseQuantity(bad), bad).toThrow(/invalid Kubernetes quantity/);
    }
    expect(() => parseQuantity(Number.NaN)).toThrow(/invalid Kubernetes quantity/);
  });

  it("compares quantities by value", () => {
    expect(sameQuantity("1", "1000m")).toBe(true);
    expect(sameQuantity("128974848", "123Mi")).toBe(true);
    expect(sameQuantity("1Gi", "1G")).toBe(false);
    expect(sameQuantity(undefined, "1")).toBe(false);
    expect(sameQuantity("oops", "oops")).toBe(true);
    expect(sameQuantity("oops", "1")).toBe(false);
  });
});

describe("parseManifestFile", () => {
  it("reads every object of a multi-document manifest, skipping comments and empty documents", () => {
    const text = `---\n# nothing here\n---\n${fixture("chat-api.yaml")}\n---\n`;
    const manifest = parsed("k8s/chat-api.yaml", text);
    expect(manifest.objects.map((o) => `${o.kind} ${o.namespace}/${o.name}`)).toEqual([
      "Deployment chat/api",
      "Service chat/api",
      "HorizontalPodAutoscaler chat/api",
    ]);
  });

  it("gives each object its line and resolves lines inside it", () => {
    const manifest = parsed("k8s/chat-api.yaml", fixture("chat-api.yaml"));
    const [deployment, , hpa] = manifest.objects;
    expect(deployment?.line).toBe(2);
    expect(deployment?.lineOf(["spec", "replicas"])).toBe(11);
    expect(hpa?.lineOf(["spec", "maxReplicas"])).toBe(
      fixture("chat-api.yaml").split("\n").indexOf("  maxReplicas: 10") + 1,
    );
    // A mapping value is located at its key.
    expect(deployment?.lineOf(["spec", "template", "spec", "containers", 0, "resources"])).toBe(
      fixture("chat-api.yaml").split("\n").indexOf("          resources:") + 1,
    );
  });

  it("unwraps kind: List", () => {
    const list = `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: { name: chat-api-config, namespace: chat }
    data: { LOG_FORMAT: json }
  - apiVersion: apps/v1
    kind: Deployment
    metadata: { name: worker, namespace: chat }
    spec:
      template:
        spec:
          containers: [{ name: worker, image: "ghcr.io/acme/chat-worker:1.0.0" }]
`;
    const manifest = parsed("k8s/list.yaml", list);
    expect(manifest.objects.map((o) => o.kind)).toEqual(["ConfigMap", "Deployment"]);
    expect(manifest.objects[1]?.line).toBe(8);
  });

  it("finds no objects in YAML that is not Kubernetes", () => {
    const compose = "services:\n  api:\n    image: chat-api\n    ports: ['3000:3000']\n";
    expect(parsed("docker-compose.yml", compose).objects).toEqual([]);
    expect(parsed("k8s/empty.yaml", "").objects).toEqual([]);
    expect(parsed("k8s/comments.yaml", "# TODO\n").objects).toEqual([]);
  });

  it("reports invalid YAML instead of throwing", () => {
    const result = parseManifestFile(
      "k8s/broken.yaml",
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: [api\n",
    );
    expect(result.status).toBe("invalid");
  });

  it("recognises Helm templates before parsing them", () => {
    expect(
      parseManifestFile(
        "charts/chat-api/templates/deployment.yaml",
        fixture("helm-deployment.yaml"),
      ),
    ).toEqual({
      status: "helm-template",
    });
    expect(
      isHelmTemplate(
        "charts/chat-api/templates/deployment.yaml",
        "replicas: {{ .Values.replicaCount }}",
      ),
    ).toBe(true);
    // A plain manifest in a templates/ directory is still read.
    expect(
      isHelmTemplate("charts/chat-api/templates/sa.yaml", "apiVersion: v1\nkind: ServiceAccount\n"),
    ).toBe(false);
  });

  it("reads a kustomization's replicas overrides", () => {
    expect(
      parsed("k8s/overlays/prod/kustomization.yaml", fixture("kustomization.yaml"))
        .kustomizeReplicas,
    ).toEqual([
      { name: "api", count: 4, line: 11 },
      { name: "worker", count: 2, line: 13 },
    ]);
  });
});

describe("workloads", () => {
  it("extracts replicas, containers, resources and env from a Deployment", () => {
    const [api] = workloads(parsed("k8s/chat-api.yaml", fixture("chat-api.yaml")).objects);
    expect(api).toMatchObject({
      key: "Deployment/chat/api",
      label: "Deployment chat/api",
      replicas: 3,
    });
    const container = api?.containers[0];
    expect(container).toMatchObject({
      name: "api",
      role: "app",
      requests: { cpu: "250m", memory: "512Mi" },
      limits: { cpu: "1", memory: "1Gi" },
    });
    expect(container?.env.map((e) => e.name)).toEqual([
      "NODE_ENV",
      "PORT",
      "DATABASE_URL",
      "LOG_LEVEL",
    ]);
    expect(container?.env.find((e) => e.name === "DATABASE_URL")?.secretKeyRef).toEqual({
      name: "chat-db",
      key: "url",
    });
    expect(container?.envFrom).toMatchObject([{ type: "configMap", name: "chat-api-config" }]);
  });

  it("defaults replicas to 1 for Deployment-like kinds only", () => {
    const text = `apiVersion: apps/v1
kind: StatefulSet
metadata: { name: redis }
spec:
  template:
    spec:
      containers: [{ name: redis, image: "redis:7" }]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: node-exporter, namespace: monitoring }
spec:
  template:
    spec:
      containers: [{ name: exporter, image: "prom/node-exporter:v1.8.1" }]
`;
    const [redis, exporter] = workloads(parsed("k8s/x.yaml", text).objects);
    expect(redis?.replicas).toBeUndefined();
    expect(redis && effectiveReplicas(redis)).toBe(1);
    expect(redis?.label).toBe("StatefulSet redis"); // no namespace written
    expect(exporter && effectiveReplicas(exporter)).toBeUndefined();
  });

  it("finds a CronJob's containers under jobTemplate, and init containers and sidecars", () => {
    const text = `apiVersion: batch/v1
kind: CronJob
metadata: { name: purge-messages, namespace: chat }
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          initContainers:
            - name: wait-for-db
              image: busybox:1.36
            - name: cloud-sql-proxy
              image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.11.0
              restartPolicy: Always
          containers:
            - name: purge
              image: ghcr.io/acme/chat-api:1.14.2
              args: ["purge", "--older-than=90d"]
              resources: { requests: { cpu: 100m, memory: 256Mi } }
`;
    const [job] = workloads(parsed("k8s/cron.yaml", text).objects);
    expect(job?.containers.map((c) => `${c.role}:${c.name}`)).toEqual([
      "init:wait-for-db",
      "sidecar:cloud-sql-proxy",
      "app:purge",
    ]);
    expect(job?.containers[2]?.requests).toEqual({ cpu: "100m", memory: "256Mi" });
  });

  it("reads an Argo Rollout like a Deployment", () => {
    const text = `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: { name: api, namespace: chat }
spec:
  replicas: 5
  strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }] } }
  template:
    spec:
      containers: [{ name: api, image: "ghcr.io/acme/chat-api:1.14.2", resources: { requests: { cpu: 500m } } }]
`;
    const [rollout] = workloads(parsed("k8s/rollout.yaml", text).objects);
    expect(rollout).toMatchObject({ kind: "Rollout", replicas: 5 });
    expect(rollout?.containers[0]?.requests.cpu).toBe("500m");
  });
});

describe("autoscalers", () => {
  it("reads autoscaling/v2 and links it to its target", () => {
    const objects = parsed("k8s/chat-api.yaml", fixture("chat-api.yaml")).objects;
    const hpas = autoscalers(objects);
    expect(hpas).toMatchObject([
      { label: "HorizontalPodAutoscaler chat/api", minReplicas: 3, maxReplicas: 10 },
    ]);
    const [api] = workloads(objects);
    expect(api && autoscalerFor(api, hpas)?.name).toBe("api");
  });

  it("reads autoscaling/v1, where minReplicas defaults to 1", () => {
    const text = `apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: { name: worker, namespace: chat }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: worker }
  maxReplicas: 6
  targetCPUUtilizationPercentage: 80
`;
    expect(autoscalers(parsed("k8s/hpa.yaml", text).objects)).toMatchObject([
      { minReplicas: 1, maxReplicas: 6, target: { kind: "Deployment", name: "worker" } },
    ]);
  });
});

describe("isManifestYamlPath", () => {
  it("takes YAML files except workflows and OpenAPI documents", () => {
    expect(isManifestYamlPath("k8s/chat-api.yaml")).toBe(true);
    expect(isManifestYamlPath("deploy/prod/redis.yml")).toBe(true);
    expect(isManifestYamlPath("charts/chat-api/templates/deployment.yaml")).toBe(true);
    expect(isManifestYamlPath(".github/workflows/ci.yml")).toBe(false);
    expect(isManifestYamlPath("docs/openapi.yaml")).toBe(false);
    expect(isManifestYamlPath("api/swagger.yml")).toBe(false);
    expect(isManifestYamlPath("src/server.ts")).toBe(false);
    expect(isManifestYamlPath("k8s/README.md")).toBe(false);
  });
});

const NOT_LOADED =
  "its content at base and head could not be loaded (GitHub gives no text for binary or very large files); keep the file text (no NUL bytes) and small enough for GitHub to return it";

describe("readManifestPair", () => {
  it("treats the missing version of an added file as empty", () => {
    const pair = readManifestPair({
      path: "k8s/redis.yaml",
      status: "added",
      head: fixture("redis-statefulset.yaml"),
    });
    expect(pair.status).toBe("parsed");
    if (pair.status === "parsed") {
      expect(pair.base.objects).toEqual([]);
      expect(pair.head.objects).toHaveLength(1);
    }
  });

  it("leaves YAML that is not Kubernetes alone, even when broken", () => {
    expect(
      readManifestPair({
        path: "docker-compose.yml",
        status: "modified",
        base: "services: {}\n",
        head: "services: {}\n",
      }),
    ).toEqual({
      status: "not-kubernetes",
    });
    expect(
      readManifestPair({
        path: "config/app.yaml",
        status: "modified",
        base: "a: 1\n",
        head: "a: [1\n",
      }),
    ).toEqual({
      status: "not-kubernetes",
    });
  });

  it("marks a manifest it cannot read as unreadable", () => {
    const broken = readManifestPair({
      path: "k8s/api.yaml",
      status: "modified",
      base: "a: 1\n",
      head: "a: [1\n",
    });
    expect(broken.status).toBe("unreadable");
    const notLoaded = readManifestPair({ path: "k8s/api.yaml", status: "modified" });
    expect(notLoaded).toEqual({ status: "unloaded", reason: NOT_LOADED });
    // A Helm template is handed over whole, for its changed lines to be read (helm-template.ts).
    const base = fixture("helm-deployment.yaml");
    const head = base.replace("nindent 12", "nindent 10");
    const helm = readManifestPair({
      path: "charts/chat-api/templates/deployment.yaml",
      status: "modified",
      base,
      head,
    });
    expect(helm).toEqual({ status: "helm-template", base, head });
    const templated = readManifestPair({
      path: "charts/chat-api/templates/sa.yaml",
      status: "modified",
      base: "apiVersion: v1\nkind: ServiceAccount\n",
      head: "apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: {{ .Values.sa }} }\n",
    });
    expect(templated.status).toBe("helm-template");
  });

  it("cannot rule out a manifest whose content was not loaded, wherever it lives", () => {
    // Outside the usual folders only the text could show `apiVersion:`, and there is none to read.
    const edited = {
      path: "ops/chat-api.yaml",
      status: "modified" as const,
      additions: 1,
      deletions: 1,
      changes: 2,
      patch: "@@ -11 +11 @@\n-  replicas: 3\n+  replicas: 40",
    };
    expect(readManifestPair(edited)).toEqual({ status: "unloaded", reason: NOT_LOADED });
    const renamedWithEdits = {
      path: "ops/chat-api.yaml",
      previousPath: "ops/api.yaml",
      status: "renamed" as const,
      changes: 7,
    };
    expect(readManifestPair(renamedWithEdits)).toEqual({ status: "unloaded", reason: NOT_LOADED });
    // 0 counted lines is not a pure rename unless both versions are loaded and equal: GitHub
    // counts a binary file's edits as 0 too.
    expect(readManifestPair({ ...renamedWithEdits, changes: 0 })).toEqual({
      status: "unloaded",
      reason: NOT_LOADED,
    });
  });
});
