import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { securityPolicyDetector } from "../../src/changes/security-policy.js";
import type { ChangedFile, DetectorSettings } from "../../src/changes/types.js";

const settings: DetectorSettings = {
  cost: { cpuMonth: 25, memoryGiBMonth: 3.5, threshold: 500, currency: "USD" },
};
const k8s = (name: string) =>
  readFileSync(new URL(`../fixtures/changes/k8s/${name}`, import.meta.url), "utf8");
const workflow = (name: string) =>
  readFileSync(new URL(`../fixtures/changes/workflows/${name}`, import.meta.url), "utf8");
const chatApi = k8s("chat-api.yaml");
const rbac = k8s("rbac.yaml");
const ci = workflow("ci.yml");
const ciWithPermissions = workflow("ci-with-permissions.yml");

function edit(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`fixture does not contain ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

function modified(path: string, base: string, head: string): ChangedFile {
  return { path, status: "modified", base, head };
}

function detect(file: ChangedFile) {
  return securityPolicyDetector.detect(file, settings);
}

function details(file: ChangedFile): string[] {
  const { findings, problems } = detect(file);
  expect(problems).toEqual([]);
  for (const f of findings) expect(f.kind).toBe("security-policy");
  return findings.map((f) => f.detail);
}

const NOTHING = { findings: [], problems: [] };

describe("securityPolicyDetector.appliesTo", () => {
  it("takes manifests and workflows", () => {
    expect(securityPolicyDetector.appliesTo("k8s/rbac.yaml")).toBe(true);
    expect(securityPolicyDetector.appliesTo(".github/workflows/ci.yml")).toBe(true);
    expect(securityPolicyDetector.appliesTo(".github/workflows/release.yaml")).toBe(true);
    expect(securityPolicyDetector.appliesTo("docs/openapi.yaml")).toBe(false);
    expect(securityPolicyDetector.appliesTo("src/server.ts")).toBe(false);
    expect(securityPolicyDetector.needsContent).toBe(true);
  });
});

describe("securityPolicyDetector: RBAC, network policies and secrets", () => {
  it("reports every RBAC object of a new file", () => {
    const findings = detect({
      path: "k8s/rbac.yaml",
      status: "added",
      base: null,
      head: rbac,
    }).findings;
    expect(findings.map((f) => [f.detail, f.line])).toEqual([
      ["ServiceAccount chat/chat-api added", 1],
      ["Role chat/chat-api-config-reader added", 7],
      ["RoleBinding chat/chat-api-config-reader added", 17],
    ]);
  });

  it("reports a Role's rules changing", () => {
    const head = edit(rbac, 'resources: ["configmaps"]', 'resources: ["configmaps", "secrets"]');
    expect(details(modified("k8s/rbac.yaml", rbac, head))).toEqual([
      "Role chat/chat-api-config-reader changed (rules)",
    ]);
  });

  it("reports a cluster-wide binding added to an existing file", () => {
    const binding = `---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: ops-admin
subjects:
  - kind: Group
    name: ops
    apiGroup: rbac.authorization.k8s.io
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
`;
    expect(details(modified("k8s/rbac.yaml", rbac, rbac + binding))).toEqual([
      "ClusterRoleBinding ops-admin added",
    ]);
  });

  it("reports network policies changed and removed", () => {
    const netpol = k8s("networkpolicy.yaml");
    expect(
      details(modified("k8s/networkpolicy.yaml", netpol, edit(netpol, "port: 6379", "port: 6380"))),
    ).toEqual(["NetworkPolicy chat/redis-allow-api changed (spec)"]);
    expect(
      details({ path: "k8s/networkpolicy.yaml", status: "removed", base: netpol, head: null }),
    ).toEqual(["NetworkPolicy chat/redis-allow-api removed"]);
  });

  it("reports a Secret changing without revealing its values", () => {
    const secret = (password: string) => `apiVersion: v1
kind: Secret
metadata:
  name: chat-db
  namespace: chat
type: Opaque
stringData:
  url: postgres://chat:${password}@postgres.chat.svc:5432/chat
`;
    const [detail] = details(
      modified("k8s/secrets/chat-db.yaml", secret("hunter2"), secret("correct-horse")),
    );
    expect(detail).toBe("Secret chat/chat-db changed (stringData)");
    expect(detail).not.toContain("correct-horse");
  });

  it("ignores comments and key order in security objects", () => {
    const reordered =
      `# RBAC for chat-api\n${edit(rbac, '    verbs: ["get", "list", "watch"]\n', "")}`.replace(
        '  - apiGroups: [""]\n',
        '  - verbs: ["get", "list", "watch"]\n    apiGroups: [""]\n',
      );
    expect(detect(modified("k8s/rbac.yaml", rbac, reordered))).toEqual(NOTHING);
  });
});

describe("securityPolicyDetector: workloads", () => {
  it("reports a container made privileged", () => {
    const head = edit(
      chatApi,
      "            allowPrivilegeEscalation: false\n",
      "            privileged: true\n            allowPrivilegeEscalation: true\n",
    );
    const [finding] = detect(modified("k8s/chat-api.yaml", chatApi, head)).findings;
    expect(finding).toEqual({
      kind: "security-policy",
      path: "k8s/chat-api.yaml",
      detail:
        "Deployment chat/api container api securityContext: privileged unset → true, allowPrivilegeEscalation false → true",
      line: head.split("\n").indexOf("          securityContext:") + 1,
    });
  });

  it("reports pod-level privileges: hostNetwork, runAsUser, capabilities", () => {
    let head = edit(
      chatApi,
      "      serviceAccountName: chat-api\n",
      "      serviceAccountName: chat-api\n      hostNetwork: true\n",
    );
    head = edit(head, "runAsUser: 10001", "runAsUser: 0");
    head = edit(head, 'drop: ["ALL"]', 'drop: ["ALL"]\n              add: ["NET_ADMIN"]');
    expect(details(modified("k8s/chat-api.yaml", chatApi, head))).toEqual([
      "Deployment chat/api pod: securityContext.runAsUser 10001 → 0, hostNetwork unset → true",
      "Deployment chat/api container api securityContext: capabilities.add unset → [NET_ADMIN]",
    ]);
  });

  it("reports secrets wiring: a variable re-pointed, a new secret volume", () => {
    let head = edit(
      chatApi,
      "                  name: chat-db\n",
      "                  name: chat-db-replica\n",
    );
    head = edit(
      head,
      "          readinessProbe:",
      "          volumeMounts:\n            - name: tls\n              mountPath: /etc/chat/tls\n              readOnly: true\n          readinessProbe:",
    );
    head = edit(
      head,
      "---\napiVersion: v1\nkind: Service",
      "      volumes:\n        - name: tls\n          secret:\n            secretName: chat-api-tls\n---\napiVersion: v1\nkind: Service",
    );
    const findings = detect(modified("k8s/chat-api.yaml", chatApi, head)).findings;
    expect(findings.map((f) => f.detail)).toEqual([
      "Deployment chat/api: secrets wiring container api env DATABASE_URL: secret chat-db key url → secret chat-db-replica key url",
      "Deployment chat/api: secrets wiring volume tls: none → secret chat-api-tls",
    ]);
    expect(findings[0]?.line).toBe(
      head.split("\n").indexOf("            - name: DATABASE_URL") + 1,
    );
  });

  it("reports a new envFrom secret and a removed secretKeyRef", () => {
    let head = edit(
      chatApi,
      "                name: chat-api-config\n",
      "                name: chat-api-config\n            - secretRef:\n                name: chat-api-secrets\n",
    );
    head = edit(
      head,
      "              valueFrom:\n                secretKeyRef:\n                  name: chat-db\n                  key: url\n",
      "              value: postgres://localhost/chat\n",
    );
    expect(details(modified("k8s/chat-api.yaml", chatApi, head))).toEqual([
      "Deployment chat/api: secrets wiring container api envFrom secret chat-api-secrets: none → secret chat-api-secrets",
      "Deployment chat/api: secrets wiring container api env DATABASE_URL: secret chat-db key url → none",
    ]);
  });

  it("reports the privileges and secrets of a new workload", () => {
    expect(
      details({ path: "k8s/chat-api.yaml", status: "added", base: null, head: chatApi }),
    ).toEqual([
      "Deployment chat/api pod: securityContext.runAsNonRoot unset → true, securityContext.runAsUser unset → 10001, securityContext.fsGroup unset → 10001, serviceAccountName unset → chat-api",
      "Deployment chat/api container api securityContext: allowPrivilegeEscalation unset → false, readOnlyRootFilesystem unset → true, capabilities.drop unset → [ALL]",
      "Deployment chat/api: secrets wiring container api env DATABASE_URL: none → secret chat-db key url",
    ]);
  });

  it("ignores changes that touch neither privileges nor secrets", () => {
    let head = edit(chatApi, "chat-api:1.14.2", "chat-api:1.15.0");
    head = edit(head, "replicas: 3", "replicas: 5");
    head = edit(head, "value: info", "value: debug");
    head = edit(
      head,
      "            - name: LOG_LEVEL\n",
      "            - name: REDIS_URL\n              value: redis://redis:6379\n            - name: LOG_LEVEL\n",
    );
    head = edit(head, "type: ClusterIP", "type: LoadBalancer");
    expect(detect(modified("k8s/chat-api.yaml", chatApi, head))).toEqual(NOTHING);
    // A removed workload takes its privileges with it.
    expect(
      detect({ path: "k8s/chat-api.yaml", status: "removed", base: chatApi, head: null }),
    ).toEqual(NOTHING);
    const redis = k8s("redis-statefulset.yaml");
    expect(
      detect(modified("k8s/redis.yaml", redis, edit(redis, "replicas: 1", "replicas: 3"))),
    ).toEqual(NOTHING);
  });
});

describe("securityPolicyDetector: manifests it cannot read", () => {
  const helmRole = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {{ include "chat-api.fullname" . }}
rules:
  - apiGroups: [""]
    resources: ["configmaps"]
    verbs: ["get"]
`;

  // Seed 000 §4: "Security policies: Security Lead (no exceptions)"; any line of an RBAC object is one.
  it("is conservative for a changed line of a Helm template's RBAC object", () => {
    const path = "charts/chat-api/templates/role.yaml";
    expect(detect(modified(path, helmRole, edit(helmRole, '["get"]', '["get", "list"]')))).toEqual({
      findings: [
        {
          kind: "security-policy",
          path,
          detail:
            "Helm template (not evaluated): changed lines touch Role (line 8); assumed to change security policy",
          line: 8,
          conservative: true,
        },
      ],
      problems: [],
    });
  });

  // Issue 11 §3: the changed lines decide; an image pin or a label is not a security change.
  it("does not report an image pin in a Deployment template that shares its file with a ServiceAccount", () => {
    const path = "charts/chat-api/templates/deployment.yaml";
    const serviceAccount =
      'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {{ include "chat-api.fullname" . }}\n---\n';
    const base = serviceAccount + k8s("helm-deployment.yaml");
    const head = edit(
      base,
      ':{{ .Values.image.tag | default .Chart.AppVersion }}"',
      ':{{ .Values.image.tag }}"',
    );
    expect(detect(modified(path, base, head))).toEqual(NOTHING);
    const renamed = edit(
      base,
      '  name: {{ include "chat-api.fullname" . }}\n---',
      "  name: {{ .Values.serviceAccount.name }}\n---",
    );
    expect(detect(modified(path, base, renamed)).findings.map((f) => [f.detail, f.line])).toEqual([
      [
        "Helm template (not evaluated): changed lines touch ServiceAccount (line 4); assumed to change security policy",
        4,
      ],
    ]);
  });

  it("is conservative when a template's changed lines touch privileges or secrets", () => {
    const path = "charts/chat-api/templates/deployment.yaml";
    const base = k8s("helm-deployment.yaml");
    const head = edit(
      base,
      "          resources:",
      "          securityContext:\n            privileged: {{ .Values.privileged }}\n          resources:",
    );
    expect(detect(modified(path, base, head)).findings).toMatchObject([
      { kind: "security-policy", conservative: true },
    ]);
  });

  it("is conservative when the content was not loaded, even outside the usual manifest folders", () => {
    const result = detect({
      path: "ops/rbac.yaml",
      status: "modified",
      additions: 3,
      deletions: 1,
      changes: 4,
    });
    expect(result).toEqual({
      findings: [
        {
          kind: "security-policy",
          path: "ops/rbac.yaml",
          detail:
            "its content at base and head could not be loaded (GitHub gives no text for binary or very large files); keep the file text (no NUL bytes) and small enough for GitHub to return it; assumed to change security policy",
          conservative: true,
        },
      ],
      problems: [
        {
          path: "ops/rbac.yaml",
          detector: "security-policy",
          message:
            "its content at base and head could not be loaded (GitHub gives no text for binary or very large files); keep the file text (no NUL bytes) and small enough for GitHub to return it",
        },
      ],
    });
  });

  it("leaves other template changes (indentation of the resources block) to the kubernetes detector", () => {
    const path = "charts/chat-api/templates/deployment.yaml";
    const base = k8s("helm-deployment.yaml");
    expect(detect(modified(path, base, edit(base, "nindent 12", "nindent 10")))).toEqual(NOTHING);
  });
});

describe("securityPolicyDetector: workflows moved into .github/workflows/", () => {
  it("reads a file moved in as a new workflow: what it grants now applies", () => {
    const moved: ChangedFile = {
      path: ".github/workflows/ci.yml",
      previousPath: "docs/examples/ci.yml",
      status: "renamed",
      changes: 0,
      base: ciWithPermissions,
      head: ciWithPermissions,
    };
    expect(detect(moved)).toEqual({
      findings: [
        {
          kind: "security-policy",
          path: ".github/workflows/ci.yml",
          detail: "workflow permissions added: contents: read",
          line: 8,
        },
      ],
      problems: [],
    });
  });

  it("assumes the worst of a file moved in whose content was not loaded, even unchanged", () => {
    const moved: ChangedFile = {
      path: ".github/workflows/deploy.yml",
      previousPath: "docs/deploy.yml",
      status: "renamed",
      changes: 0,
    };
    expect(detect(moved).findings).toEqual([
      {
        kind: "security-policy",
        path: ".github/workflows/deploy.yml",
        detail:
          "moved here from docs/deploy.yml, so it now runs, and its content was not loaded; assumed to change security policy",
        conservative: true,
      },
    ]);
    // A workflow renamed within the folder unchanged grants what it granted; 0 counted lines
    // alone do not show it unchanged (GitHub counts a binary file's edits as 0).
    const deploy =
      "name: deploy\non: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./deploy.sh\n";
    const within = { ...moved, previousPath: ".github/workflows/old-deploy.yml" };
    expect(detect({ ...within, base: deploy, head: deploy })).toEqual(NOTHING);
    expect(detect(within).findings).toMatchObject([
      { kind: "security-policy", conservative: true },
    ]);
  });
});

describe("securityPolicyDetector: workflow permissions", () => {
  const path = ".github/workflows/ci.yml";

  it("reports workflow permissions added", () => {
    const findings = detect(modified(path, ci, ciWithPermissions)).findings;
    expect(findings).toEqual([
      {
        kind: "security-policy",
        path,
        detail: "workflow permissions added: contents: read",
        line: 8,
      },
    ]);
  });

  it("reports workflow permissions removed: the default token applies", () => {
    expect(details(modified(path, ciWithPermissions, ci))).toEqual([
      "workflow permissions removed: contents: read → default token permissions",
    ]);
  });

  it("reports a scope widened", () => {
    const head = edit(
      ciWithPermissions,
      "contents: read",
      "contents: write\n  pull-requests: write",
    );
    expect(details(modified(path, ciWithPermissions, head))).toEqual([
      "workflow permissions changed: contents read → write, pull-requests unset → write",
    ]);
    const writeAll = edit(
      ciWithPermissions,
      "permissions:\n  contents: read",
      "permissions: write-all",
    );
    expect(details(modified(path, ciWithPermissions, writeAll))).toEqual([
      "workflow permissions changed: contents: read → write-all",
    ]);
  });

  it("reports job-level permissions added, changed and removed", () => {
    const release = (permissions: string) => `${ciWithPermissions}
  publish:
    needs: test
    if: github.ref == 'refs/heads/main'
    runs-on: ubuntu-latest
${permissions}    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20.x
          registry-url: https://registry.npmjs.org
      - run: npm ci
      - run: npm publish --provenance
        env:
          NODE_AUTH_TOKEN: \${{ secrets.NPM_TOKEN }}
`;
    const scoped = release("    permissions:\n      contents: read\n      id-token: write\n");
    const base = release("");
    const added = detect(modified(path, base, scoped)).findings;
    expect(added.map((f) => f.detail)).toEqual([
      "job publish permissions added: contents: read, id-token: write",
    ]);
    expect(added[0]?.line).toBe(scoped.split("\n").indexOf("    permissions:") + 1);

    const widened = release("    permissions:\n      contents: write\n      id-token: write\n");
    expect(details(modified(path, scoped, widened))).toEqual([
      "job publish permissions changed: contents read → write",
    ]);
    expect(details(modified(path, scoped, base))).toEqual([
      "job publish permissions removed: contents: read, id-token: write → workflow permissions (contents: read)",
    ]);
  });

  it("reports a new workflow without permissions, and a new one with them", () => {
    expect(details({ path, status: "added", base: null, head: ci })).toEqual([
      "workflow added without permissions: default token permissions for job test",
    ]);
    expect(details({ path, status: "added", base: null, head: ciWithPermissions })).toEqual([
      "workflow permissions added: contents: read",
    ]);
  });

  it("ignores a deleted workflow, step changes and comments", () => {
    expect(detect({ path, status: "removed", base: ci, head: null })).toEqual(NOTHING);
    const steps = edit(
      ciWithPermissions,
      "      - run: npm test",
      "      - run: npm run lint\n      - run: npm test -- --coverage",
    );
    expect(detect(modified(path, ciWithPermissions, steps))).toEqual(NOTHING);
    const comments = `# Runs on every push to main and every pull request.\n${ciWithPermissions.replace("contents: read", "contents: read # least privilege")}`;
    expect(detect(modified(path, ciWithPermissions, comments))).toEqual(NOTHING);
    const matrix = edit(ci, "[20.x, 22.x]", "[20.x, 22.x, 24.x]");
    expect(detect(modified(path, ci, matrix))).toEqual(NOTHING);
  });
});

describe("securityPolicyDetector: workflow triggers and secrets", () => {
  const path = ".github/workflows/ci.yml";

  it("reports pull_request_target added", () => {
    const head = edit(
      ciWithPermissions,
      "  pull_request:\n",
      "  pull_request_target:\n    types: [opened, synchronize]\n",
    );
    const findings = detect(modified(path, ciWithPermissions, head)).findings;
    expect(findings.map((f) => [f.detail, f.line])).toEqual([
      [
        "pull_request_target trigger added (runs with secrets and a write token for fork pull requests)",
        3,
      ],
    ]);
    // Written as a list of events, too.
    const listed = "name: Label\non: [push, pull_request_target]\njobs: {}\n";
    expect(details(modified(path, "name: Label\non: [push]\njobs: {}\n", listed))).toEqual([
      "pull_request_target trigger added (runs with secrets and a write token for fork pull requests)",
    ]);
  });

  it("reports new secret references, but not ones already used", () => {
    const deploy = (secrets: string) => `${ciWithPermissions}      - name: Upload coverage
        uses: codecov/codecov-action@v4
        with:
          token: \${{ secrets.CODECOV_TOKEN }}
${secrets}`;
    const base = deploy("");
    const head = deploy(
      "      - name: Notify\n        run: ./scripts/notify.sh\n        env:\n          SLACK_WEBHOOK_URL: ${{ secrets.SLACK_WEBHOOK_URL }}\n          CODECOV: ${{ secrets['codecov_token'] }}\n",
    );
    const findings = detect(modified(path, base, head)).findings;
    expect(findings.map((f) => f.detail)).toEqual([
      "new secret reference: secrets.SLACK_WEBHOOK_URL",
    ]);
    expect(findings[0]?.line).toBe(
      head.split("\n").findIndex((l) => l.includes("SLACK_WEBHOOK_URL")) + 1,
    );
    // A commented-out reference grants nothing.
    expect(
      detect(modified(path, base, `${base}      # - run: echo \${{ secrets.DEPLOY_KEY }}\n`)),
    ).toEqual(NOTHING);
  });

  it("reports the whole secrets context and secrets: inherit", () => {
    const dump = edit(
      ciWithPermissions,
      "      - run: npm test",
      "      - run: npm test\n        env:\n          ALL: ${{ toJSON(secrets) }}",
    );
    expect(details(modified(path, ciWithPermissions, dump))).toEqual([
      "new secret reference: the whole secrets context",
    ]);
    const reusable = `${ciWithPermissions}
  deploy:
    needs: test
    uses: acme/platform/.github/workflows/deploy.yml@v3
    secrets: inherit
`;
    expect(details(modified(path, ciWithPermissions, reusable))).toEqual([
      "job deploy passes all secrets to a reusable workflow (secrets: inherit)",
    ]);
  });

  it("is conservative for a workflow it cannot parse", () => {
    const broken = edit(ci, "    runs-on: ubuntu-latest", "    runs-on: [ubuntu-latest");
    const result = detect(modified(path, ci, broken));
    expect(result.findings).toMatchObject([{ kind: "security-policy", path, conservative: true }]);
    expect(result.problems).toMatchObject([{ path, detector: "security-policy" }]);
    expect(result.problems[0]?.message).toMatch(/^unparseable workflow YAML: /);
  });
});
