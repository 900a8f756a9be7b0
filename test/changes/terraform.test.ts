import { readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { Tree } from "web-tree-sitter";
import { DETECTORS, classify, detectorsFor } from "../../src/changes/registry.js";
import { isAccessType, readBlocks, terraformDetector } from "../../src/changes/terraform.js";
import type { ChangedFile, DetectorSettings } from "../../src/changes/types.js";

const settings: DetectorSettings = {
  cost: { cpuMonth: 25, memoryGiBMonth: 3.5, threshold: 500, currency: "USD" },
};
const tf = (name: string) =>
  readFileSync(new URL(`../fixtures/changes/terraform/${name}`, import.meta.url), "utf8");
const mainTf = tf("main.tf");
const securityGroup = tf("security-group.tf");
const withSecurityGroup = mainTf + securityGroup;

function edit(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`fixture does not contain ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

/** 1-based line of the first occurrence of `needle`. */
function lineOf(text: string, needle: string): number {
  const index = text.indexOf(needle);
  if (index === -1) throw new Error(`text does not contain ${JSON.stringify(needle)}`);
  return text.slice(0, index).split("\n").length;
}

const modified = (path: string, base: string, head: string): ChangedFile => ({
  path,
  status: "modified",
  base,
  head,
});
const detect = (file: ChangedFile) => terraformDetector.detect(file, settings);

/** [detail, line] of every finding, after checking there is no problem and every kind is security-policy. */
function changes(file: ChangedFile): [string, number | undefined][] {
  const { findings, problems } = detect(file);
  expect(problems).toEqual([]);
  for (const f of findings) expect(f).toMatchObject({ kind: "security-policy", path: file.path });
  return findings.map((f) => [f.detail, f.line]);
}

describe("terraformDetector.appliesTo", () => {
  it("takes .tf files anywhere, not variable files or JSON syntax", () => {
    expect(terraformDetector.appliesTo("main.tf")).toBe(true);
    expect(terraformDetector.appliesTo("terraform/nats/main.tf")).toBe(true);
    expect(terraformDetector.appliesTo("terraform/nats/prod.tfvars")).toBe(false);
    expect(terraformDetector.appliesTo("terraform/nats/main.tf.json")).toBe(false);
    expect(terraformDetector.needsContent).toBe(true);
  });

  it("is registered: classify reads Terraform", () => {
    expect(detectorsFor({ path: "terraform/nats/main.tf" })).toContain(terraformDetector);
    const { findings } = classify(
      [modified("terraform/nats/main.tf", mainTf, withSecurityGroup)],
      settings,
      DETECTORS,
    );
    expect(findings.map((f) => f.detail)).toContain("aws_security_group.nats added");
  });
});

describe("isAccessType", () => {
  it.each([
    "aws_security_group",
    "aws_security_group_rule",
    "aws_default_security_group",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_network_acl",
    "aws_network_acl_rule",
    "aws_iam_role",
    "aws_iam_role_policy",
    "aws_iam_policy_document",
    "aws_s3_bucket_policy",
    "google_compute_firewall",
    "google_compute_network_firewall_policy_rule",
    "google_project_iam_member",
    "google_project_iam_custom_role",
    "google_storage_bucket_iam_binding",
    "azurerm_network_security_group",
    "azurerm_network_security_rule",
    "azurerm_role_assignment",
    "azurerm_role_definition",
    "kubernetes_network_policy",
    "kubernetes_network_policy_v1",
    "kubernetes_role_v1",
    "kubernetes_role_binding",
    "kubernetes_cluster_role",
    "kubernetes_cluster_role_binding_v1",
  ])("%s is a network/access type", (type) => {
    expect(isAccessType(type)).toBe(true);
  });

  it.each([
    "aws_s3_bucket",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_instance",
    "aws_vpc",
    "google_storage_bucket",
    "azurerm_storage_account",
    "kubernetes_deployment_v1",
    "random_id",
  ])("%s is not", (type) => {
    expect(isAccessType(type)).toBe(false);
  });
});

describe("AWS: security groups and IAM in main.tf", () => {
  it("a security group and an ingress rule added to main.tf", () => {
    expect(changes(modified("terraform/nats/main.tf", mainTf, withSecurityGroup))).toEqual([
      [
        "aws_security_group.nats added",
        lineOf(withSecurityGroup, 'resource "aws_security_group" "nats"'),
      ],
      [
        "aws_vpc_security_group_ingress_rule.nats_monitoring added",
        lineOf(withSecurityGroup, 'resource "aws_vpc_security_group_ingress_rule"'),
      ],
    ]);
  });

  it("a new file: every network/access block is added, the bucket is not reported", () => {
    const file: ChangedFile = {
      path: "terraform/nats/main.tf",
      status: "added",
      head: withSecurityGroup,
    };
    expect(changes(file).map(([detail]) => detail)).toEqual([
      "data.aws_iam_policy_document.backup_assume added",
      "aws_iam_role.nats_backup added",
      "aws_iam_role_policy.nats_backup_writer added",
      "aws_security_group.nats added",
      "aws_vpc_security_group_ingress_rule.nats_monitoring added",
    ]);
  });

  it("an ingress port opened wider: ingress changed, at the changed block", () => {
    const head = edit(
      withSecurityGroup,
      "    from_port   = 6222\n    to_port     = 6222",
      "    from_port   = 6222\n    to_port     = 6232",
    );
    expect(changes(modified("terraform/nats/main.tf", withSecurityGroup, head))).toEqual([
      [
        "aws_security_group.nats ingress changed",
        lineOf(head, '    description = "NATS cluster routes"') - 1,
      ],
    ]);
  });

  it("egress replaced and a tag changed: every differing member is named", () => {
    const head = edit(
      withSecurityGroup,
      'cidr_blocks = ["0.0.0.0/0"]',
      'cidr_blocks = ["10.0.0.0/8"]',
    ).replace(
      '  tags = local.tags\n}\n\nresource "aws_vpc',
      '  tags = merge(local.tags, { Tier = "messaging" })\n}\n\nresource "aws_vpc',
    );
    expect(
      changes(modified("terraform/nats/main.tf", withSecurityGroup, head)).map(([d]) => d),
    ).toEqual(["aws_security_group.nats egress, tags changed"]);
  });

  it("an IAM role policy widened to s3:*: policy changed, at the policy attribute", () => {
    const head = edit(
      mainTf,
      'Action   = ["s3:PutObject", "s3:AbortMultipartUpload"]',
      'Action   = ["s3:*"]',
    );
    expect(changes(modified("terraform/nats/main.tf", mainTf, head))).toEqual([
      [
        "aws_iam_role_policy.nats_backup_writer policy changed",
        lineOf(head, "  policy = jsonencode"),
      ],
    ]);
  });

  it("a trust policy (data source) opened to another service account", () => {
    const head = edit(
      mainTf,
      'values   = ["system:serviceaccount:nats:nats-backup"]',
      'values   = ["system:serviceaccount:nats:*"]',
    );
    expect(changes(modified("terraform/nats/main.tf", mainTf, head))).toEqual([
      [
        "data.aws_iam_policy_document.backup_assume statement changed",
        lineOf(head, "  statement {"),
      ],
    ]);
  });

  it("an S3-only change (bucket tags, lifecycle) is no finding", () => {
    const head = edit(
      edit(mainTf, "      days = 30", "      days = 14"),
      'format("%s-bucket", local.name)',
      'format("%s-snapshots", local.name)',
    );
    expect(detect(modified("terraform/nats/main.tf", mainTf, head))).toEqual({
      findings: [],
      problems: [],
    });
  });

  it("comments, alignment and the order of attributes or repeated blocks do not count", () => {
    const clientsIngress = securityGroup.slice(
      securityGroup.indexOf("  ingress {"),
      securityGroup.indexOf("  ingress {", securityGroup.indexOf("  ingress {") + 1),
    );
    const reordered = edit(withSecurityGroup, clientsIngress, "").replace(
      "  egress {",
      `${clientsIngress}  egress {`,
    );
    const head = edit(
      edit(
        reordered,
        '  name = "write-snapshots"\n  role = aws_iam_role.nats_backup.id',
        '  # Scoped to the backup prefix.\n  role = aws_iam_role.nats_backup.id // IRSA\n  name    =   "write-snapshots"',
      ),
      '    protocol    = "-1"',
      '    protocol = "-1" /* all */',
    );
    expect(head).not.toBe(withSecurityGroup);
    expect(detect(modified("terraform/nats/main.tf", withSecurityGroup, head))).toEqual({
      findings: [],
      problems: [],
    });
  });

  it("a security group removed: reported at its line in the base version", () => {
    expect(changes(modified("terraform/nats/main.tf", withSecurityGroup, mainTf))).toEqual([
      [
        "aws_security_group.nats removed",
        lineOf(withSecurityGroup, 'resource "aws_security_group" "nats"'),
      ],
      [
        "aws_vpc_security_group_ingress_rule.nats_monitoring removed",
        lineOf(withSecurityGroup, 'resource "aws_vpc_security_group_ingress_rule"'),
      ],
    ]);
  });

  it("a deleted file removes its IAM blocks", () => {
    const file: ChangedFile = { path: "terraform/nats/main.tf", status: "removed", base: mainTf };
    expect(changes(file).map(([d]) => d)).toEqual([
      "data.aws_iam_policy_document.backup_assume removed",
      "aws_iam_role.nats_backup removed",
      "aws_iam_role_policy.nats_backup_writer removed",
    ]);
  });

  it("a renamed file with the same blocks is no finding", () => {
    const file: ChangedFile = {
      path: "terraform/nats/backup.tf",
      previousPath: "terraform/nats/main.tf",
      status: "renamed",
      base: mainTf,
      head: mainTf,
    };
    expect(detect(file)).toEqual({ findings: [], problems: [] });
  });
});

describe("other providers", () => {
  it("GCP: a firewall and a project IAM member, not the bucket", () => {
    const gcp = tf("gcp.tf");
    expect(
      changes({ path: "terraform/gcp/nats.tf", status: "added", base: null, head: gcp }),
    ).toEqual([
      ["google_compute_firewall.nats_clients added", 1],
      [
        "google_project_iam_member.backup_writer added",
        lineOf(gcp, 'resource "google_project_iam_member"'),
      ],
    ]);
    const wider = edit(gcp, 'source_tags = ["chat-api"]', 'source_ranges = ["0.0.0.0/0"]');
    expect(changes(modified("terraform/gcp/nats.tf", gcp, wider))).toEqual([
      [
        "google_compute_firewall.nats_clients source_ranges, source_tags changed",
        lineOf(wider, "  source_ranges"),
      ],
    ]);
  });

  it("Azure and the Kubernetes provider: NSG, role assignment, network policy, cluster role binding", () => {
    const text = tf("azure-kubernetes.tf");
    expect(
      changes({ path: "infra/azure/nats.tf", status: "added", head: text }).map(([d]) => d),
    ).toEqual([
      "azurerm_network_security_group.nats added",
      "azurerm_role_assignment.backup_writer added",
      "kubernetes_network_policy_v1.nats added",
      "kubernetes_cluster_role_binding_v1.backup added",
    ]);
    const head = edit(
      text,
      'match_labels = { "kubernetes.io/metadata.name" = "chat" }',
      "match_labels = {}",
    );
    expect(changes(modified("infra/azure/nats.tf", text, head)).map(([d]) => d)).toEqual([
      "kubernetes_network_policy_v1.nats spec changed",
    ]);
    const storage = edit(text, '"GRS"', '"LRS"');
    expect(changes(modified("infra/azure/nats.tf", text, storage))).toEqual([]);
  });

  it("module calls whose source manages security groups or IAM", () => {
    const sg =
      'module "nats_sg" {\n  source  = "terraform-aws-modules/security-group/aws"\n  version = "5.1.2"\n  name    = "nats"\n  ingress_cidr_blocks = ["10.20.0.0/16"]\n}\n';
    const bucket =
      'module "backups" {\n  source = "terraform-aws-modules/s3-bucket/aws"\n  bucket = "lfx-nats-backups"\n}\n';
    expect(changes({ path: "main.tf", status: "added", head: bucket + sg })).toEqual([
      ["module.nats_sg added", 5],
    ]);
    const wider = edit(sg, '["10.20.0.0/16"]', '["0.0.0.0/0"]');
    expect(changes(modified("main.tf", bucket + sg, bucket + wider))).toEqual([
      ["module.nats_sg ingress_cidr_blocks changed", 9],
    ]);
  });

  it("dynamic blocks are named with their label", () => {
    const base =
      'resource "aws_security_group" "app" {\n  name = "app"\n  dynamic "ingress" {\n    for_each = var.ports\n    content {\n      from_port = ingress.value\n      to_port   = ingress.value\n      protocol  = "tcp"\n    }\n  }\n}\n';
    const head = edit(base, 'protocol  = "tcp"', 'protocol  = "-1"');
    expect(changes(modified("sg.tf", base, head))).toEqual([
      ['aws_security_group.app dynamic "ingress" changed', 3],
    ]);
  });
});

describe("unreadable Terraform", () => {
  it("unparseable head: a problem and a conservative finding", () => {
    const broken = edit(withSecurityGroup, "    from_port   = 6222", "    from_port   = = 6222");
    const result = detect(modified("terraform/nats/main.tf", mainTf, broken));
    const line = lineOf(broken, "= = 6222");
    expect(result.problems).toEqual([
      {
        path: "terraform/nats/main.tf",
        detector: "terraform",
        message: `unparseable HCL at line ${line}`,
      },
    ]);
    expect(result.findings).toEqual([
      {
        kind: "security-policy",
        path: "terraform/nats/main.tf",
        detail: `unparseable HCL at line ${line}; assumed to change network or access rules`,
        conservative: true,
      },
    ]);
  });

  it("an unclosed block in the base version", () => {
    const result = detect(
      modified("main.tf", 'resource "aws_iam_role" "r" {\n  name = "r"\n', mainTf),
    );
    expect(result.problems.map((p) => p.message)).toEqual([
      "unparseable HCL at line 3 (base version)",
    ]);
    expect(result.findings).toEqual([
      expect.objectContaining({ kind: "security-policy", conservative: true }),
    ]);
  });

  it("content not loaded: a problem and a conservative finding", () => {
    const result = detect({
      path: "main.tf",
      status: "modified",
      patch: "@@ -1 +1 @@\n-a = 1\n+a = 2\n",
    });
    expect(result.problems.map((p) => p.message)).toEqual([
      "its content at base and head could not be loaded (GitHub gives no text for binary or very large files); keep the file text (no NUL bytes) and small enough for GitHub to return it",
    ]);
    expect(result.findings).toEqual([
      expect.objectContaining({ kind: "security-policy", conservative: true }),
    ]);
  });
});

describe("memory", () => {
  it("frees every tree it parses: WebAssembly memory is outside the heap limit and never shrinks", () => {
    const freed = vi.spyOn(Tree.prototype, "delete");
    try {
      const good =
        'resource "aws_security_group" "nats" {\n  ingress {\n    cidr_blocks = ["10.0.0.0/8"]\n  }\n}\n';
      expect(readBlocks(good)).toBeInstanceOf(Map);
      expect(readBlocks('resource "aws_security_group" {{{')).toHaveProperty("error");
      expect(freed).toHaveBeenCalledTimes(2);
    } finally {
      freed.mockRestore();
    }
  });
});
