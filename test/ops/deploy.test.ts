import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";

/**
 * The deployment files against the code they deploy: every manifest parses,
 * the probes hit the endpoints the server serves on the port it listens on,
 * every variable is one .env.example documents, every secret key exists, and
 * the commands run entry points that exist.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const K8S = join(ROOT, "deploy/kubernetes");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

// --- the manifests ------------------------------------------------------------

type Obj = Record<string, unknown>;
interface Manifest {
  file: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Obj;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  [key: string]: unknown;
}

const manifests: Manifest[] = readdirSync(K8S)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort()
  .flatMap((file) =>
    parseAllDocuments(readFileSync(join(K8S, file), "utf8")).map((doc) => {
      if (doc.errors.length > 0)
        throw new Error(`${file}: ${doc.errors.map((e) => e.message).join("; ")}`);
      return { ...(doc.toJS() as Manifest), file };
    }),
  );

function only(kind: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!;
}

interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: {
      secretKeyRef?: { name: string; key: string };
      configMapKeyRef?: { name: string; key: string };
    };
  }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Obj; limits?: Obj };
  securityContext?: Obj;
  volumeMounts?: { name: string; mountPath: string }[];
}
interface Probe {
  httpGet?: { path: string; port: number | string };
}
interface PodSpec {
  containers: Container[];
  volumes?: { name: string; emptyDir?: Obj }[];
  securityContext?: Obj;
}

const deployment = () => only("Deployment");
const cronJob = () => only("CronJob");
const podOf = (m: Manifest): { labels: Record<string, string>; spec: PodSpec } => {
  const template = (
    m.kind === "CronJob" ? ((m.spec!.jobTemplate as Obj).spec as Obj).template : m.spec!.template
  ) as { metadata: { labels: Record<string, string> }; spec: PodSpec };
  return { labels: template.metadata.labels, spec: template.spec };
};
const containerOf = (m: Manifest): Container => {
  const { containers } = podOf(m).spec;
  expect(containers).toHaveLength(1);
  return containers[0]!;
};

/** The environment a container gets: its ConfigMaps' data and its own env entries (secrets as `secret:<name>/<key>`). */
function environment(container: Container): Map<string, string> {
  const env = new Map<string, string>();
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) {
      const map = manifests.find(
        (m) => m.kind === "ConfigMap" && m.metadata.name === source.configMapRef!.name,
      );
      expect(map, `ConfigMap ${source.configMapRef.name}`).toBeDefined();
      for (const [k, v] of Object.entries(map!.data ?? {})) env.set(k, String(v));
    }
    if (source.secretRef) {
      for (const k of secretKeys(source.secretRef.name))
        env.set(k, `secret:${source.secretRef.name}/${k}`);
    }
  }
  for (const entry of container.env ?? []) {
    const ref = entry.valueFrom?.secretKeyRef;
    env.set(entry.name, ref ? `secret:${ref.name}/${ref.key}` : String(entry.value ?? ""));
  }
  return env;
}

function secretKeys(name: string): string[] {
  const secret = manifests.find((m) => m.kind === "Secret" && m.metadata.name === name);
  expect(secret, `a Secret manifest named ${name}`).toBeDefined();
  return [...Object.keys(secret!.stringData ?? {}), ...Object.keys(secret!.data ?? {})];
}

/** The variable names .env.example documents. */
const documented = new Set(
  [...read(".env.example").matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!),
);

// --- the Dockerfile -----------------------------------------------------------

const dockerfile = read("deploy/Dockerfile");
/** Instructions with continuations joined and comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"))
  .map((l) => {
    const [keyword, ...rest] = l.split(/\s+/);
    return { keyword: keyword!.toUpperCase(), args: rest.join(" ") };
  });
const instruction = (keyword: string) => instructions.filter((i) => i.keyword === keyword);
const dockerEnv = new Map(
  instruction("ENV").flatMap((i) =>
    [...i.args.matchAll(/([A-Z_][A-Z0-9_]*)=(\S+)/g)].map((m) => [m[1]!, m[2]!] as const),
  ),
);
const dockerCmd = JSON.parse(instruction("CMD")[0]!.args) as string[];
/** The stages, split at each FROM: the build stage, then the image. */
const stages = instructions.reduce<(typeof instructions)[]>(
  (all, i) => (i.keyword === "FROM" ? [...all, [i]] : (all.at(-1)?.push(i), all)),
  [],
);
const nodeVersion = /ARG NODE_VERSION=(\S+)/.exec(dockerfile)![1]!;
/** COPY sources taken from the build context (not from another stage). */
const contextSources = instruction("COPY")
  .filter((i) => !i.args.startsWith("--from="))
  .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
const pkg = JSON.parse(read("package.json")) as {
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
};

describe("deploy/kubernetes", () => {
  it("every document parses and is a known kind at a current apiVersion", () => {
    const expected: Record<string, string> = {
      Deployment: "apps/v1",
      Service: "v1",
      ConfigMap: "v1",
      Secret: "v1",
      HorizontalPodAutoscaler: "autoscaling/v2",
      PodDisruptionBudget: "policy/v1",
      CronJob: "batch/v1",
      Kustomization: "kustomize.config.k8s.io/v1beta1",
    };
    expect(manifests.length).toBeGreaterThanOrEqual(8);
    for (const m of manifests) {
      expect(Object.keys(expected), `${m.file}: kind ${m.kind}`).toContain(m.kind);
      expect(m.apiVersion, `${m.file}: ${m.kind}`).toBe(expected[m.kind]);
      if (m.kind !== "Kustomization") expect(m.metadata.name, m.file).toMatch(/^governance-gate/);
    }
    for (const kind of Object.keys(expected))
      expect(
        manifests.map((m) => m.kind),
        kind,
      ).toContain(kind);
  });

  it("the kustomization applies every manifest but the example Secret, and names the image the workloads use", () => {
    const kustomization = only("Kustomization") as Manifest & {
      resources: string[];
      images: { name: string }[];
    };
    const files = new Set(manifests.map((m) => m.file));
    for (const resource of kustomization.resources) expect(files, resource).toContain(resource);
    expect(new Set(kustomization.resources)).toEqual(
      new Set([...files].filter((f) => f !== "kustomization.yaml" && f !== "secret.example.yaml")),
    );
    for (const m of [deployment(), cronJob()]) {
      expect(kustomization.images.map((i) => i.name)).toContain(containerOf(m).image.split(":")[0]);
    }
  });

  it("the Deployment runs at least two replicas, and the HPA and PDB keep it so", () => {
    expect(deployment().spec!.replicas).toBeGreaterThanOrEqual(2);
    const hpa = only("HorizontalPodAutoscaler").spec as {
      scaleTargetRef: Obj;
      minReplicas: number;
      maxReplicas: number;
    };
    expect(hpa.scaleTargetRef).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: deployment().metadata.name,
    });
    expect(hpa.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.maxReplicas).toBeGreaterThan(hpa.minReplicas);
    const pdb = only("PodDisruptionBudget").spec as {
      selector: { matchLabels: Record<string, string> };
      minAvailable: number;
    };
    expect(podOf(deployment()).labels).toMatchObject(pdb.selector.matchLabels);
    expect(pdb.minAvailable).toBeGreaterThanOrEqual(1);
    expect(pdb.minAvailable).toBeLessThan(hpa.minReplicas);
    expect(podOf(deployment()).labels).toMatchObject(
      (deployment().spec!.selector as { matchLabels: Record<string, string> }).matchLabels,
    );
  });

  it("liveness probes /healthz and readiness /readyz, on the container port the server listens on (PORT)", () => {
    const container = containerOf(deployment());
    const port = Number(environment(container).get("PORT"));
    expect(port).toBe(3000);
    const resolve = (p: number | string) =>
      typeof p === "number" ? p : container.ports!.find((c) => c.name === p)?.containerPort;
    expect(container.livenessProbe?.httpGet?.path).toBe("/healthz");
    expect(container.readinessProbe?.httpGet?.path).toBe("/readyz");
    expect(container.startupProbe?.httpGet?.path).toBe("/healthz");
    for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe])
      expect(resolve(probe!.httpGet!.port)).toBe(port);
    // The server must bind beyond localhost in a pod (Probot's default HOST is localhost).
    expect(environment(container).get("HOST")).toBe("0.0.0.0");
    // The Service routes to that port.
    const service = only("Service").spec as {
      selector: Record<string, string>;
      ports: { targetPort: number | string }[];
    };
    expect(podOf(deployment()).labels).toMatchObject(service.selector);
    for (const p of service.ports) expect(resolve(p.targetPort)).toBe(port);
  });

  it("gives the server APP_ID, PRIVATE_KEY and WEBHOOK_SECRET from the Secret, and every secret reference names a key the Secret has", () => {
    const env = environment(containerOf(deployment()));
    expect(env.get("APP_ID")).toBe("secret:governance-gate/APP_ID");
    expect(env.get("PRIVATE_KEY")).toBe("secret:governance-gate/PRIVATE_KEY");
    expect(env.get("WEBHOOK_SECRET")).toBe("secret:governance-gate/WEBHOOK_SECRET");
    expect(env.get("NODE_ENV")).toBe("production");
    for (const m of [deployment(), cronJob()]) {
      for (const entry of containerOf(m).env ?? []) {
        const ref = entry.valueFrom?.secretKeyRef;
        if (ref) expect(secretKeys(ref.name), `${m.kind} ${entry.name}`).toContain(ref.key);
      }
    }
  });

  it("every variable the manifests and the Dockerfile set is documented in .env.example", () => {
    const names = new Set<string>([...dockerEnv.keys()]);
    for (const m of [deployment(), cronJob()])
      for (const name of environment(containerOf(m)).keys()) names.add(name);
    for (const m of manifests.filter((x) => x.kind === "Secret" || x.kind === "ConfigMap")) {
      for (const name of [...Object.keys(m.data ?? {}), ...Object.keys(m.stringData ?? {})])
        names.add(name);
    }
    expect(names.size).toBeGreaterThan(5);
    for (const name of names) expect(documented, `${name} is not in .env.example`).toContain(name);
  });

  it("runs as non-root with a read-only root filesystem (a writable /tmp for Node's scratch files), with resources set", () => {
    for (const m of [deployment(), cronJob()]) {
      const { spec } = podOf(m);
      const container = containerOf(m);
      expect(spec.securityContext, m.kind).toMatchObject({ runAsNonRoot: true });
      expect(Number(spec.securityContext!.runAsUser)).toBeGreaterThan(0);
      expect(container.securityContext, m.kind).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
      });
      const tmp = container.volumeMounts?.find((v) => v.mountPath === "/tmp");
      expect(tmp, `${m.kind} mounts /tmp`).toBeDefined();
      expect(spec.volumes?.find((v) => v.name === tmp!.name)?.emptyDir, m.kind).toBeDefined();
      expect(container.resources?.requests, m.kind).toMatchObject({
        cpu: expect.anything(),
        memory: expect.anything(),
      });
      expect(container.resources?.limits, m.kind).toMatchObject({ memory: expect.anything() });
    }
  });

  it("the server container runs the image's own command, which is what `npm start` runs", () => {
    const container = containerOf(deployment());
    expect(container.command ?? dockerCmd).toEqual(dockerCmd);
    expect(pkg.scripts.start).toBe(dockerCmd.join(" "));
  });

  it("the CronJob runs the real `governance-gate sweep` every 15 minutes with the App's credentials from the same Secret", () => {
    const job = cronJob();
    expect(job.spec!.schedule).toBe("*/15 * * * *");
    expect(job.spec!.concurrencyPolicy).toBe("Forbid");
    const container = containerOf(job);
    expect(container.image).toBe(containerOf(deployment()).image);
    const command = [...(container.command ?? []), ...(container.args ?? [])];
    expect(command).toEqual(["node", "bin/governance-gate.js", "sweep"]);
    expect(pkg.bin["governance-gate"]).toBe("bin/governance-gate.js");
    expect(existsSync(join(ROOT, "bin/governance-gate.js"))).toBe(true);
    const env = environment(container);
    expect(env.get("APP_ID")).toBe("secret:governance-gate/APP_ID");
    expect(env.get("PRIVATE_KEY")).toBe("secret:governance-gate/PRIVATE_KEY");
    expect((podOf(job).spec as { restartPolicy?: string }).restartPolicy).toBe("Never");
  });

  it("that command is the sweep: run here without credentials it asks for them (and does not print usage)", () => {
    const run = spawnSync(process.execPath, ["bin/governance-gate.js", "sweep"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(
      "sweep needs the app's credentials: set APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH",
    );
  });
});

describe("deploy/Dockerfile", () => {
  it("builds dist/ in a build stage; the image runs on node:24-slim with runtime dependencies only (no tsx, no esbuild)", () => {
    expect(stages.map((s) => s[0]!.args.replace("${NODE_VERSION}", nodeVersion))).toEqual([
      "node:24-slim AS build",
      "node:24-slim",
    ]);
    const runs = (stage: typeof instructions) =>
      stage
        .filter((i) => i.keyword === "RUN")
        .map((i) => i.args)
        .join(" ");
    expect(runs(stages[0]!)).toMatch(/npm run build/);
    expect(runs(stages[1]!)).toMatch(/npm ci --omit=dev/);
    expect(runs(stages[1]!)).not.toMatch(/npm run build/);
    for (const tool of ["tsx", "esbuild"]) {
      expect(pkg.dependencies[tool], tool).toBeUndefined();
      expect(pkg.devDependencies[tool], tool).toBeDefined();
    }
    // The compiler is a runtime dependency: the DTO and Socket.IO detectors parse with it (loaded on first use).
    expect([pkg.dependencies.typescript, pkg.devDependencies.typescript]).toEqual([
      "6.0.3",
      undefined,
    ]);
    expect(pkg.scripts.build).toBe("node esbuild.config.mjs");
  });

  it("runs as a numeric non-root user", () => {
    const user = instruction("USER").at(-1)!.args;
    expect(user).toMatch(/^[1-9]\d*(:\d+)?$/);
    expect(Number(user.split(":")[0])).toBe(podOf(deployment()).spec.securityContext!.runAsUser);
  });

  it("its CMD starts the compiled server, which the build stage makes and the image copies", () => {
    expect(dockerCmd).toEqual(["node", "--enable-source-maps", "dist/server.js"]);
    expect(read("esbuild.config.mjs")).toContain('"src/server.ts"');
    for (const source of contextSources)
      expect(existsSync(join(ROOT, source)), `COPY ${source}`).toBe(true);
    const copies = (stage: typeof instructions) =>
      stage.filter((i) => i.keyword === "COPY").map((i) => i.args);
    // The build stage has what the build reads; the image, what the server and the CLI load at run time.
    expect(copies(stages[0]!)).toEqual([
      "package.json package-lock.json ./",
      "esbuild.config.mjs ./",
      "src ./src",
    ]);
    expect(copies(stages[1]!)).toEqual(
      expect.arrayContaining([
        "package.json package-lock.json ./",
        "bin ./bin",
        "policies ./policies",
        "app.yml ./",
        "--from=build /app/dist ./dist",
      ]),
    );
    expect(copies(stages[1]!).join(" ")).not.toMatch(/\bsrc\b/);
  });

  it("its ignore file lets exactly the copied files into the build context, and never keys or .env", () => {
    const ignore = read("deploy/Dockerfile.dockerignore")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    expect(ignore[0]).toBe("*");
    const allowed = ignore.filter((l) => l.startsWith("!")).map((l) => l.slice(1));
    expect(new Set(allowed)).toEqual(new Set(contextSources));
    expect(ignore).toEqual(expect.arrayContaining(["**/*.pem", "**/.env"]));
  });

  it("listens on 0.0.0.0:PORT and its HEALTHCHECK fetches /healthz on that port", () => {
    expect(dockerEnv.get("HOST")).toBe("0.0.0.0");
    expect(dockerEnv.get("PORT")).toBe(environment(containerOf(deployment())).get("PORT"));
    expect(instruction("EXPOSE")[0]!.args).toBe(dockerEnv.get("PORT"));
    const healthcheck = instruction("HEALTHCHECK")[0]!.args;
    expect(healthcheck).toContain("'/healthz'");
    expect(healthcheck).toContain("process.env.PORT || 3000");
    expect(dockerEnv.get("NODE_ENV")).toBe("production");
  });
});
