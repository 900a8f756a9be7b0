import { describe, expect, it } from "vitest";
import { classify } from "../../src/changes/registry.js";
import { explainRange } from "../helpers/git-repo.js";
import { policyFrom } from "../helpers/policy.js";

/**
 * Issue 11 §3 through the CLI as a user runs it (`explain --json` on a git range),
 * in real layouts: a Helm chart under deploy/helm/api/ and Terraform under
 * infra/terraform/. Each preset sends Helm values scaling and Terraform sizing to
 * the owners its document names for scaling and cost.
 */

const CHART = "deploy/helm/api";

/** `helm create`'s values, as a production override keeps them. */
const values = (replicaCount: number) => `replicaCount: ${replicaCount}

image:
  repository: ghcr.io/acme/chat-api
  tag: "1.42.0"

resources:
  requests:
    cpu: "1"
    memory: 2Gi

autoscaling:
  enabled: false
`;

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "api.fullname" . }}
  labels:
    {{- include "api.labels" . | nindent 4 }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  template:
    spec:
      serviceAccountName: {{ include "api.serviceAccountName" . }}
      securityContext:
        {{- toYaml .Values.podSecurityContext | nindent 8 }}
      containers:
        - name: {{ .Chart.Name }}
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
`;

const EKS = `module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "~> 20.0"

  cluster_name    = "chat"
  cluster_version = "1.30"

  eks_managed_node_groups = {
    default = {
      instance_types = ["m5.large"]
      min_size       = 2
      max_size       = 3
      desired_size   = 3
    }
  }
}
`;

const requirements = (json: Awaited<ReturnType<typeof explainRange>>) =>
  json.requirements.map((r) => [r.id, r.level, r.roles]);

describe("chat-backend: SRE Lead for scaling, Finance above $500/month (seed 000 §4)", () => {
  // "Resource provisioning: SRE Lead (with Finance approval for >$500/month)"; issue 11: 3 → 30 replicas must reach Finance.
  it("Helm values replicaCount 3 → 30 → infra/cost-increase, level 3, sre-lead + finance", async () => {
    const path = `${CHART}/values-production.yaml`;
    const json = await explainRange("chat-backend", { [path]: values(3) }, { [path]: values(30) });
    expect(json.level).toBe(3);
    expect(requirements(json)).toEqual([["infra/cost-increase", 3, ["sre-lead", "finance"]]]);
    expect(
      json.areas.find((a) => a.id === "infra")?.changes.map((c) => [c.kind, c.detail]),
    ).toEqual([
      ["scaling-change", "values replicaCount 3 → 30"],
      ["cost-increase", "estimated +$864.00/month (values: 3 → 30 replicas × (1 vCPU, 2 GiB))"],
    ]);
  });

  // "Infrastructure scaling adjustments" are level 2; "Scaling parameters: SRE Lead".
  it("Helm values replicaCount 3 → 4 → infra at level 2, sre-lead, no Finance", async () => {
    const path = `${CHART}/values-production.yaml`;
    const json = await explainRange("chat-backend", { [path]: values(3) }, { [path]: values(4) });
    expect(json.level).toBe(2);
    expect(json.requiredRoles).toEqual(["sre-lead"]);
  });

  // Issue 11 §3: "an image pin or a label is not scaling or security" — no longer level 3.
  it("an image pin in a chart template stays at infra's level 2 with no security or scaling requirement", async () => {
    const path = `${CHART}/templates/deployment.yaml`;
    const pinned = DEPLOYMENT.replace(
      ':{{ .Values.image.tag | default .Chart.AppVersion }}"',
      '@{{ .Values.image.digest }}"',
    );
    const json = await explainRange("chat-backend", { [path]: DEPLOYMENT }, { [path]: pinned });
    expect(json.level).toBe(2);
    expect(requirements(json)).toEqual([["infra/base", 2, ["sre-lead"]]]);
    expect(json.areas.flatMap((a) => a.changes)).toEqual([]);
  });

  // "Security policies: Security Lead (no exceptions)": a template line that touches privileges still fails closed.
  it("a chart template line touching securityContext → security-policy, level 3, security-lead", async () => {
    const path = `${CHART}/templates/deployment.yaml`;
    const head = DEPLOYMENT.replace(
      "        {{- toYaml .Values.podSecurityContext | nindent 8 }}\n",
      "        privileged: true\n",
    );
    const json = await explainRange("chat-backend", { [path]: DEPLOYMENT }, { [path]: head });
    expect(json.level).toBe(3);
    expect(requirements(json)).toEqual([
      ["infra/security-policy", 3, ["security-lead", "sre-lead"]],
    ]);
  });

  // "Cloud resources (AWS/GCP/Azure): SRE Lead … Finance"; ">$500/month" needs Finance.
  it("Terraform node group max_size 3 → 12 (9 × m5.large, $630.72) → infra/cost-increase, sre-lead + finance", async () => {
    const path = "infra/terraform/eks.tf";
    const json = await explainRange(
      "chat-backend",
      { [path]: EKS },
      { [path]: EKS.replace("max_size       = 3", "max_size       = 12") },
    );
    expect(json.level).toBe(3);
    expect(requirements(json)).toEqual([["infra/cost-increase", 3, ["sre-lead", "finance"]]]);
    expect(json.requirements[0]!.reason).toContain("+$630.72/month");
  });

  it("Terraform instance size m5.large → t3.large (cheaper) → scaling-change, level 2, sre-lead", async () => {
    const path = "infra/terraform/eks.tf";
    const json = await explainRange(
      "chat-backend",
      { [path]: EKS },
      { [path]: EKS.replace('["m5.large"]', '["t3.large"]') },
    );
    expect(json.level).toBe(2);
    expect(json.requiredRoles).toEqual(["sre-lead"]);
    expect(json.areas.flatMap((a) => a.changes).map((c) => c.kind)).toEqual(["scaling-change"]);
  });
});

describe("platform-engineering: Platform Engineering approves scaling policies and IaC (seed 002 lines 157-160)", () => {
  // "Deployment configurations including scaling policies"; "Infrastructure-as-Code (IaC) templates and modifications".
  it("Helm values scaling → deployment, Platform Engineering, with a ticket", async () => {
    const path = `${CHART}/values-production.yaml`;
    const json = await explainRange(
      "platform-engineering",
      { [path]: values(3) },
      { [path]: values(30) },
    );
    expect(json.areas.map((a) => a.id)).toEqual(["deployment"]);
    expect(json.requiredRoles).toEqual(["platform-engineering"]);
    expect(json.areas[0]!.changes.map((c) => c.kind)).toEqual(["scaling-change", "cost-increase"]);
    expect(json.ticket.required).toBe(true);
  });

  it("Terraform node group sizing → iac, Platform Engineering", async () => {
    const path = "infra/terraform/eks.tf";
    const json = await explainRange(
      "platform-engineering",
      { [path]: EKS },
      { [path]: EKS.replace("max_size       = 3", "max_size       = 12") },
    );
    expect(json.areas.map((a) => a.id)).toEqual(["iac"]);
    expect(json.requiredRoles).toEqual(["platform-engineering"]);
    expect(json.areas[0]!.changes.map((c) => c.kind)).toEqual(["scaling-change", "cost-increase"]);
  });
});

describe("it-operations: IT/Operations plans capacity and optimises cost (seed 004 lines 76, 79)", () => {
  it("Helm values scaling and Terraform sizing → it-operations", async () => {
    const valuesPath = `${CHART}/values-production.yaml`;
    const tfPath = "infra/terraform/eks.tf";
    const json = await explainRange(
      "it-operations",
      { [valuesPath]: values(3), [tfPath]: EKS },
      {
        [valuesPath]: values(30),
        [tfPath]: EKS.replace("max_size       = 3", "max_size       = 12"),
      },
    );
    expect(json.requiredRoles).toEqual(["it-operations"]);
    const kinds = json.areas.flatMap((a) => a.changes.map((c) => `${c.path}: ${c.kind}`));
    expect(kinds).toEqual(
      expect.arrayContaining([
        `${valuesPath}: scaling-change`,
        `${valuesPath}: cost-increase`,
        `${tfPath}: scaling-change`,
        `${tfPath}: cost-increase`,
      ]),
    );
  });
});

describe("a policy's cost.prices (README: cost)", () => {
  it("extends the built-in price table over a preset: an unknown size becomes priced", async () => {
    const policy = await policyFrom(
      `extends: chat-backend\ncost: { prices: { "db.r6g.4xlarge": 2200 } }\n`,
    );
    const base = `resource "aws_db_instance" "main" {\n  instance_class = "db.t3.medium"\n}\n`;
    const head = base.replace("db.t3.medium", "db.r6g.4xlarge");
    const { findings } = classify(
      [{ path: "infra/terraform/db.tf", status: "modified", base, head }],
      policy.detectors,
    );
    expect(findings.map((f) => [f.kind, f.detail])).toEqual([
      ["scaling-change", 'aws_db_instance.main instance_class "db.t3.medium" → "db.r6g.4xlarge"'],
      [
        "cost-increase",
        "estimated +$2,147.44/month (aws_db_instance.main: 1 × db.t3.medium → 1 × db.r6g.4xlarge at $2,200.00/month)",
      ],
    ]);
  });
});
