import { describe, expect, it } from "vitest";
import { BUILT_IN_PRICES_USD, pricesFor } from "../../src/changes/cloud-prices.js";
import { classify } from "../../src/changes/registry.js";
import { terraformSizingDetector } from "../../src/changes/terraform-sizing.js";
import type { ChangedFile, DetectorSettings } from "../../src/changes/types.js";

const settings: DetectorSettings = {
  cost: { cpuMonth: 25, memoryGiBMonth: 3.5, threshold: 500, currency: "USD" },
};
const PATH = "infra/terraform/eks.tf";

/** A real layout: the terraform-aws-modules EKS module, a managed node group, RDS and a GKE pool. */
const BASE = `module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "~> 20.0"

  cluster_name = "chat"
  eks_managed_node_groups = {
    default = {
      instance_types = ["m5.large"]
      min_size       = 2
      max_size       = 3
      desired_size   = 3
    }
  }
}

resource "aws_eks_node_group" "workers" {
  cluster_name   = module.eks.cluster_name
  instance_types = ["t3.large"]
  scaling_config {
    desired_size = 2
    max_size     = 4
    min_size     = 1
  }
}

resource "aws_db_instance" "main" {
  engine         = "postgres"
  instance_class = "db.t3.medium"
}

resource "google_container_node_pool" "pool" {
  node_config {
    machine_type = "e2-standard-4"
  }
  autoscaling {
    min_node_count = 1
    max_node_count = 5
  }
}

variable "node_count" {
  type    = number
  default = 3
}
`;

function edit(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`fixture does not contain ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

function summary(head: string, base: string | null = BASE, s: DetectorSettings = settings) {
  const file: ChangedFile =
    base === null
      ? { path: PATH, status: "added", base: null, head }
      : { path: PATH, status: "modified", base, head };
  const result = terraformSizingDetector.detect(file, s);
  expect(result.problems).toEqual([]);
  return result.findings.map((f) => [f.kind, f.detail, f.line]);
}

describe("terraformSizingDetector: contract", () => {
  it("reads .tf files whole, and is registered", () => {
    expect(terraformSizingDetector.appliesTo("infra/terraform/eks.tf")).toBe(true);
    expect(terraformSizingDetector.appliesTo("infra/terraform/prod.tfvars")).toBe(true);
    expect(terraformSizingDetector.appliesTo("infra/terraform/sizing.auto.tfvars")).toBe(true);
    expect(terraformSizingDetector.appliesTo("infra/terraform/terraform.tfvars.json")).toBe(true);
    expect(terraformSizingDetector.appliesTo("infra/terraform/.terraform.lock.hcl")).toBe(false);
    expect(terraformSizingDetector.needsContent).toBe(true);
    expect(terraformSizingDetector.kinds).toEqual(["cost-increase", "scaling-change"]);
    const { findings } = classify(
      [
        {
          path: PATH,
          status: "modified",
          base: BASE,
          head: edit(BASE, "min_size       = 2", "min_size       = 1"),
        },
      ],
      settings,
    );
    expect(findings.map((f) => f.kind)).toEqual(["scaling-change"]);
  });
});

// Seed 000 §4: "Cloud resources (AWS/GCP/Azure): SRE Lead", "Auto-scaling policies: SRE Lead",
// "Resource provisioning: SRE Lead (with Finance approval for >$500/month)"; issue 11 §3.
describe("terraformSizingDetector: scaling-change and cost-increase", () => {
  it("prices a node group scaled up past the threshold: scaling-change and cost-increase (Finance)", () => {
    const head = edit(BASE, "max_size       = 3", "max_size       = 12");
    expect(summary(head)).toEqual([
      ["scaling-change", "module.eks eks_managed_node_groups.default.max_size 3 → 12", 10],
      // 9 more m5.large at $70.08 = $630.72.
      [
        "cost-increase",
        "estimated +$630.72/month (module.eks eks_managed_node_groups.default: 3 × m5.large → 12 × m5.large at $70.08/month)",
        8,
      ],
    ]);
  });

  it("reports a scaling change below the threshold without cost-increase", () => {
    // EKS node group max 4 → 6: 2 more t3.large at $60.74; GKE max 5 → 6: one more e2-standard-4 at $97.82.
    let head = edit(BASE, "    max_size     = 4", "    max_size     = 6");
    head = edit(head, "max_node_count = 5", "max_node_count = 6");
    expect(summary(head)).toEqual([
      ["scaling-change", "aws_eks_node_group.workers scaling_config.max_size 4 → 6", 21],
      ["scaling-change", "google_container_node_pool.pool autoscaling.max_node_count 5 → 6", 37],
    ]);
  });

  it("prices instance size changes (instance_type, machine_type) per node", () => {
    let head = edit(BASE, '["t3.large"]', '["m5.2xlarge"]');
    head = edit(head, '"e2-standard-4"', '"n2-standard-4"');
    expect(summary(head)).toEqual([
      [
        "scaling-change",
        'aws_eks_node_group.workers instance_types ["t3.large"] → ["m5.2xlarge"]',
        18,
      ],
      [
        "scaling-change",
        'google_container_node_pool.pool node_config.machine_type "e2-standard-4" → "n2-standard-4"',
        33,
      ],
      // 4 × ($280.32 − $60.74) + 5 × ($141.77 − $97.82) = $878.32 + $219.75.
      [
        "cost-increase",
        "estimated +$1,098.07/month (aws_eks_node_group.workers: 4 × t3.large → 4 × m5.2xlarge at $280.32/month; " +
          "google_container_node_pool.pool node_config: 5 × e2-standard-4 → 5 × n2-standard-4 at $141.77/month)",
        18,
      ],
    ]);
  });

  it("never prices an unknown size at 0: it says the price is unknown and how to add it", () => {
    const head = edit(BASE, '"db.t3.medium"', '"db.r6g.4xlarge"');
    expect(summary(head)).toEqual([
      [
        "scaling-change",
        'aws_db_instance.main instance_class "db.t3.medium" → "db.r6g.4xlarge"; price unknown (no price is known for db.r6g.4xlarge): ' +
          'add it to the policy as cost: { prices: { "db.r6g.4xlarge": <monthly price in USD> } }',
        28,
      ],
    ]);
    // With the policy's price it is priced: $2,200 − $52.56 is above the threshold.
    const priced = summary(head, BASE, {
      cost: { ...settings.cost, prices: { "db.r6g.4xlarge": 2200 } },
    });
    expect(priced[1]).toEqual([
      "cost-increase",
      "estimated +$2,147.44/month (aws_db_instance.main: 1 × db.t3.medium → 1 × db.r6g.4xlarge at $2,200.00/month)",
      28,
    ]);
  });

  it("names an unpriced group beside a priced increase, and reads a size set by a variable as unknown", () => {
    let head = edit(BASE, '"db.t3.medium"', "var.db_class");
    head = edit(head, "max_size       = 3", "max_size       = 12");
    expect(summary(head)).toEqual([
      ["scaling-change", "module.eks eks_managed_node_groups.default.max_size 3 → 12", 10],
      [
        "scaling-change",
        'aws_db_instance.main instance_class "db.t3.medium" → var.db_class; price unknown (its size `var.db_class` is not a literal)',
        28,
      ],
      [
        "cost-increase",
        "estimated +$630.72/month (module.eks eks_managed_node_groups.default: 3 × m5.large → 12 × m5.large at $70.08/month; not priced: aws_db_instance.main)",
        8,
      ],
    ]);
  });

  it("reports a new node group with its price, a removed one, and a sizing variable's default", () => {
    const pool = `resource "azurerm_kubernetes_cluster_node_pool" "batch" {\n  vm_size    = "Standard_D4s_v5"\n  node_count = 8\n}\n`;
    let head = BASE + pool;
    head = edit(head, "  default = 3\n", "  default = 6\n");
    expect(summary(head)).toEqual([
      ["scaling-change", "var.node_count default 3 → 6 (used elsewhere, so not priced here)", 43],
      [
        "scaling-change",
        'azurerm_kubernetes_cluster_node_pool.batch added (vm_size "Standard_D4s_v5", node_count 8)',
        45,
      ],
      // 8 × $140.16.
      [
        "cost-increase",
        "estimated +$1,121.28/month (azurerm_kubernetes_cluster_node_pool.batch: none → 8 × Standard_D4s_v5 at $140.16/month)",
        46,
      ],
    ]);
    const withoutDb = edit(
      BASE,
      'resource "aws_db_instance" "main" {\n  engine         = "postgres"\n  instance_class = "db.t3.medium"\n}\n',
      "",
    );
    expect(summary(withoutDb)).toEqual([["scaling-change", "aws_db_instance.main removed", 26]]);
  });

  // Seed 002 line 61: "auto-scaling groups" — priced with the launch template they run.
  it("prices an auto scaling group with the size of its launch template in the same file", () => {
    const asg = `resource "aws_launch_template" "api" {
  name_prefix   = "api-"
  image_id      = "ami-0abcdef1234567890"
  instance_type = "m5.large"
}

resource "aws_autoscaling_group" "api" {
  min_size         = 2
  max_size         = 4
  desired_capacity = 2
  launch_template {
    id      = aws_launch_template.api.id
    version = "$Latest"
  }
}
`;
    expect(summary(edit(asg, '"m5.large"', '"m5.2xlarge"'), asg)).toEqual([
      [
        "scaling-change",
        'aws_launch_template.api instance_type "m5.large" → "m5.2xlarge" (an instance template: priced through aws_autoscaling_group.api)',
        4,
      ],
      // 4 (max_size) × ($280.32 − $70.08).
      [
        "cost-increase",
        "estimated +$840.96/month (aws_autoscaling_group.api: 4 × m5.large → 4 × m5.2xlarge at $280.32/month)",
        4,
      ],
    ]);
    expect(summary(edit(asg, "max_size         = 4", "max_size         = 12"), asg)).toEqual([
      ["scaling-change", "aws_autoscaling_group.api max_size 4 → 12", 9],
      [
        "cost-increase",
        "estimated +$560.64/month (aws_autoscaling_group.api: 4 × m5.large → 12 × m5.large at $70.08/month)",
        4,
      ],
    ]);
    // A group whose template lives in another file cannot be priced here, and says so.
    const alone = asg
      .slice(asg.indexOf('resource "aws_autoscaling_group"'))
      .replace("aws_launch_template.api.id", "var.launch_template_id");
    expect(summary(edit(alone, "max_size         = 4", "max_size         = 12"), alone)).toEqual([
      [
        "scaling-change",
        "aws_autoscaling_group.api max_size 4 → 12; price unknown (its instance size is not set in this file)",
        3,
      ],
    ]);
  });

  it("ignores formatting, comments and other attributes", () => {
    const head = edit(
      edit(BASE, 'engine         = "postgres"', 'engine = "postgres" # pinned'),
      'version = "~> 20.0"',
      'version = "~> 20.8"',
    );
    expect(summary(head)).toEqual([]);
  });
});

/** An environment's variable values, as terraform-aws-modules-style root modules take them. */
const PRODUCTION_TFVARS = `# Production: chat backend on EKS
region       = "us-east-1"
environment  = "production"
cluster_name = "chat-prod"

instance_type = "m5.large"
node_count    = 3

db_instance_class = "db.t3.medium"

tags = {
  Team       = "chat-backend"
  CostCenter = "eng-204"
}
`;

/** The same for an auto scaling group, with a prefix naming each group. */
const WORKERS_TFVARS = `worker_instance_type    = "c5.large"
worker_min_size         = 2
worker_max_size         = 4
worker_desired_capacity = 2

ws_gateway_instance_type    = "t3.medium"
ws_gateway_desired_capacity = 2

search_instance_type  = "r5.large"
search_instance_count = 3
`;

function tfvars(path: string, base: string | null, head: string) {
  const file: ChangedFile =
    base === null
      ? { path, status: "added", base: null, head }
      : { path, status: "modified", base, head };
  const result = terraformSizingDetector.detect(file, settings);
  expect(result.problems).toEqual([]);
  return result.findings.map((f) => [f.kind, f.detail, f.line]);
}

// Issue 11 §3: sizes and counts set in variable files are scaling changes, priced as in .tf files.
describe("terraformSizingDetector: variable values (.tfvars, .auto.tfvars, .tfvars.json)", () => {
  const PROD = "infra/environments/production/terraform.tfvars";

  it("prices an instance size and node count raised in terraform.tfvars past the threshold (Finance)", () => {
    const head = edit(
      edit(PRODUCTION_TFVARS, 'instance_type = "m5.large"', 'instance_type = "m5.4xlarge"'),
      "node_count    = 3",
      "node_count    = 12",
    );
    expect(tfvars(PROD, PRODUCTION_TFVARS, head)).toEqual([
      ["scaling-change", 'terraform.tfvars instance_type "m5.large" → "m5.4xlarge"', 6],
      ["scaling-change", "terraform.tfvars node_count 3 → 12", 7],
      // 3 × $70.08 = $210.24 → 12 × $560.64 = $6,727.68; the database is not multiplied by node_count.
      [
        "cost-increase",
        "estimated +$6,517.44/month (terraform.tfvars: 3 × m5.large → 12 × m5.4xlarge at $560.64/month)",
        6,
      ],
    ]);
  });

  it("prices each prefixed group (min_size/max_size, desired_capacity) in an .auto.tfvars file on its own", () => {
    const path = "infra/terraform/workers.auto.tfvars";
    const head = edit(
      edit(WORKERS_TFVARS, "worker_max_size         = 4", "worker_max_size         = 12"),
      "worker_min_size         = 2",
      "worker_min_size         = 4",
    );
    expect(tfvars(path, WORKERS_TFVARS, head)).toEqual([
      ["scaling-change", "workers.auto.tfvars worker_min_size 2 → 4", 2],
      ["scaling-change", "workers.auto.tfvars worker_max_size 4 → 12", 3],
      // Priced at its most: max_size. 8 more c5.large at $62.05 = $496.40, under $500.
    ]);
    const gateway = edit(
      WORKERS_TFVARS,
      "ws_gateway_desired_capacity = 2",
      "ws_gateway_desired_capacity = 20",
    );
    expect(tfvars(path, WORKERS_TFVARS, gateway)).toEqual([
      ["scaling-change", "workers.auto.tfvars ws_gateway_desired_capacity 2 → 20", 7],
      // 18 more t3.medium at $30.37 = $546.66.
      [
        "cost-increase",
        "estimated +$546.66/month (workers.auto.tfvars ws_gateway: 2 × t3.medium → 20 × t3.medium at $30.37/month)",
        6,
      ],
    ]);
  });

  it("reads an instance_count beside its instance_type (OpenSearch-style)", () => {
    const path = "infra/terraform/workers.auto.tfvars";
    const head = edit(WORKERS_TFVARS, "search_instance_count = 3", "search_instance_count = 9");
    expect(tfvars(path, WORKERS_TFVARS, head)).toEqual([
      ["scaling-change", "workers.auto.tfvars search_instance_count 3 → 9", 10],
      // 6 more r5.large at $91.98 = $551.88.
      [
        "cost-increase",
        "estimated +$551.88/month (workers.auto.tfvars search: 3 × r5.large → 9 × r5.large at $91.98/month)",
        9,
      ],
    ]);
  });

  it("reads node groups given as objects, and the JSON form", () => {
    const base = JSON.stringify(
      {
        cluster_name: "chat-prod",
        node_groups: {
          api: { instance_types: ["m5.large"], min_size: 2, max_size: 3, desired_size: 3 },
        },
      },
      null,
      2,
    );
    const head = base.replace('"max_size": 3', '"max_size": 10');
    expect(head).not.toBe(base);
    expect(tfvars("infra/terraform/production.tfvars.json", base, head)).toEqual([
      ["scaling-change", "production.tfvars.json node_groups.api.max_size 3 → 10", 9],
      // 7 more m5.large at $70.08 = $490.56: under the threshold.
    ]);
    const twelve = base.replace('"max_size": 3', '"max_size": 12');
    expect(tfvars("infra/terraform/production.tfvars.json", base, twelve)).toEqual([
      ["scaling-change", "production.tfvars.json node_groups.api.max_size 3 → 12", 9],
      [
        "cost-increase",
        "estimated +$630.72/month (production.tfvars.json node_groups.api: 3 × m5.large → 12 × m5.large at $70.08/month)",
        5,
      ],
    ]);
    const hcl = `node_groups = {
  api = {
    instance_types = ["m5.large"]
    max_size       = 3
  }
}
`;
    expect(tfvars(PROD, hcl, hcl.replace("max_size       = 3", "max_size       = 12"))).toEqual([
      ["scaling-change", "terraform.tfvars node_groups.api.max_size 3 → 12", 4],
      [
        "cost-increase",
        "estimated +$630.72/month (terraform.tfvars node_groups.api: 3 × m5.large → 12 × m5.large at $70.08/month)",
        3,
      ],
    ]);
  });

  it("prices a new environment's variable file, and ignores variables that do not size", () => {
    expect(tfvars("infra/environments/staging/terraform.tfvars", null, PRODUCTION_TFVARS)).toEqual([
      [
        "scaling-change",
        'terraform.tfvars added (instance_type "m5.large", node_count 3; db_instance_class "db.t3.medium")',
        1,
      ],
    ]);
    const retagged = edit(PRODUCTION_TFVARS, '"eng-204"', '"eng-311"');
    expect(tfvars(PROD, PRODUCTION_TFVARS, edit(retagged, '"chat-prod"', '"chat-eu"'))).toEqual([]);
  });

  it("assumes a sizing change for a variable file it cannot parse", () => {
    const broken = terraformSizingDetector.detect(
      { path: PROD, status: "modified", base: PRODUCTION_TFVARS, head: 'node_count = "12\n' },
      settings,
    );
    expect(broken.findings).toMatchObject([{ kind: "scaling-change", conservative: true }]);
    const json = terraformSizingDetector.detect(
      {
        path: "infra/terraform/production.tfvars.json",
        status: "modified",
        base: "{}",
        head: '{ "node_count": 12, }',
      },
      settings,
    );
    expect(json.findings).toMatchObject([{ kind: "scaling-change", conservative: true }]);
    expect(json.problems[0]?.message).toMatch(/^unparseable JSON/);
  });

  it("is classified with the registry like a .tf file", () => {
    const head = edit(PRODUCTION_TFVARS, "node_count    = 3", "node_count    = 12");
    const { findings } = classify(
      [{ path: PROD, status: "modified", base: PRODUCTION_TFVARS, head }],
      settings,
    );
    expect(findings.map((f) => [f.kind, f.path])).toEqual([
      ["scaling-change", PROD],
      ["cost-increase", PROD],
    ]);
  });
});

describe("terraformSizingDetector: files it cannot read", () => {
  it("assumes a sizing change for unparseable HCL and a cost increase for content it was not given", () => {
    const broken = terraformSizingDetector.detect(
      { path: PATH, status: "modified", base: BASE, head: `${BASE}resource "x" {\n` },
      settings,
    );
    expect(broken.findings).toMatchObject([{ kind: "scaling-change", conservative: true }]);
    expect(broken.problems).toMatchObject([{ path: PATH, detector: "terraform-sizing" }]);
    const unloaded = terraformSizingDetector.detect(
      { path: PATH, status: "modified", changes: 3 },
      settings,
    );
    expect(unloaded.findings).toMatchObject([{ kind: "cost-increase", conservative: true }]);
  });
});

describe("cloud prices", () => {
  it("the policy's cost.prices override and extend the built-in USD table; another currency uses only its own", () => {
    const usd = pricesFor({ currency: "USD", prices: { "m5.large": 50, "x9.huge": 9000 } });
    expect(usd.get("m5.large")).toBe(50);
    expect(usd.get("x9.huge")).toBe(9000);
    expect(usd.get("e2-standard-4")).toBe(BUILT_IN_PRICES_USD["e2-standard-4"]);
    const eur = pricesFor({ currency: "EUR", prices: { "m5.large": 65 } });
    expect([...eur]).toEqual([["m5.large", 65]]);
  });
});
