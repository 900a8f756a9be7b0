import { costDetector } from "./cost.js";
import { envFileDetector } from "./env-file.js";
import { kubernetesDetector } from "./kubernetes.js";
import { openApiDetector } from "./openapi.js";
import { packageJsonDetector } from "./package-json.js";
import { prismaSchemaDetector } from "./prisma-schema.js";
import { routesDetector } from "./routes.js";
import { securityPolicyDetector } from "./security-policy.js";
import { sqlMigrationDetector } from "./sql-migration.js";
import { terraformDetector } from "./terraform.js";
import type { ChangedFile, DetectionProblem, Detector, DetectorSettings, Finding } from "./types.js";

/** Every detector, in the order their findings are listed. */
export const DETECTORS: readonly Detector[] = [
  openApiDetector,
  routesDetector,
  sqlMigrationDetector,
  prismaSchemaDetector,
  packageJsonDetector,
  envFileDetector,
  kubernetesDetector,
  costDetector,
  securityPolicyDetector,
  terraformDetector,
];

export function detectorsFor(file: Pick<ChangedFile, "path" | "previousPath">, detectors: readonly Detector[] = DETECTORS): Detector[] {
  return detectors.filter((d) => d.appliesTo(file.path) || (file.previousPath !== undefined && d.appliesTo(file.previousPath)));
}

/** Whether any detector needs the file's content at base and head (the app fetches only those). */
export function needsContent(file: Pick<ChangedFile, "path" | "previousPath">): boolean {
  return detectorsFor(file).some((d) => d.needsContent);
}

export interface Classification {
  findings: Finding[];
  problems: DetectionProblem[];
}

/**
 * Runs the applicable detectors over every changed file. A detector that throws
 * is a bug, but the file it was reading still gets classified: the detector's
 * most severe kind, marked conservative, and a problem saying why.
 */
export function classify(files: readonly ChangedFile[], settings: DetectorSettings, detectors: readonly Detector[] = DETECTORS): Classification {
  const findings: Finding[] = [];
  const problems: DetectionProblem[] = [];
  for (const file of files) {
    for (const detector of detectorsFor(file, detectors)) {
      try {
        const result = detector.detect(file, settings);
        findings.push(...result.findings);
        problems.push(...result.problems);
      } catch (error) {
        const message = `detector failed: ${(error as Error).message}`;
        problems.push({ path: file.path, detector: detector.id, message });
        findings.push({ kind: detector.kinds[0]!, path: file.path, detail: `could not be analysed (${message}); assuming the worst`, conservative: true });
      }
    }
  }
  return { findings, problems };
}
