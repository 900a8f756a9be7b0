import { costDetector } from "./cost.js";
import { envFileDetector } from "./env-file.js";
import { helmValuesDetector } from "./helm-values.js";
import { kubernetesDetector } from "./kubernetes.js";
import { openApiDetector } from "./openapi.js";
import { packageJsonDetector } from "./package-json.js";
import { prismaSchemaDetector } from "./prisma-schema.js";
import { routesDetector } from "./routes.js";
import { securityPolicyDetector } from "./security-policy.js";
import { socketEventsDetector } from "./socket-events.js";
import { sqlMigrationDetector } from "./sql-migration.js";
import { terraformDetector } from "./terraform.js";
import { terraformSizingDetector } from "./terraform-sizing.js";
import type {
  ChangedFile,
  DetectionProblem,
  Detector,
  DetectorSettings,
  Finding,
} from "./types.js";
import { typescriptContractsDetector } from "./typescript-contracts.js";
import { contentUnchanged, hasPatch } from "./unread.js";

/** Every detector, in the order their findings are listed. */
export const DETECTORS: readonly Detector[] = [
  openApiDetector,
  routesDetector,
  typescriptContractsDetector,
  socketEventsDetector,
  sqlMigrationDetector,
  prismaSchemaDetector,
  packageJsonDetector,
  envFileDetector,
  kubernetesDetector,
  costDetector,
  helmValuesDetector,
  securityPolicyDetector,
  terraformDetector,
  terraformSizingDetector,
];

export function detectorsFor(
  file: Pick<ChangedFile, "path" | "previousPath">,
  detectors: readonly Detector[] = DETECTORS,
): Detector[] {
  return detectors.filter(
    (d) =>
      d.appliesTo(file.path) || (file.previousPath !== undefined && d.appliesTo(file.previousPath)),
  );
}

/**
 * Whether the file's content at base and head should be loaded (the app and CLI
 * load only those): a detector reads it whole, or reads patches but this change
 * has none it can read (GitHub leaves the patch out of large diffs), so that the
 * detector reads the content instead of assuming the worst.
 */
export function needsContent(file: ChangedFile): boolean {
  const patchUnreadable = !hasPatch(file) && !contentUnchanged(file);
  return detectorsFor(file).some(
    (d) => d.needsContent || patchUnreadable || d.needsContentFor?.(file) === true,
  );
}

/** Input a detector reads at most unless it sets `maxInput`: its work grows with it, and the author controls it. */
export const DEFAULT_MAX_INPUT = 1024 * 1024;

/** Characters of patch and content a detector would read for the file. */
export function inputSize(file: ChangedFile): number {
  return (file.patch?.length ?? 0) + (file.base?.length ?? 0) + (file.head?.length ?? 0);
}

export interface Classification {
  findings: Finding[];
  problems: DetectionProblem[];
}

function kib(chars: number): string {
  return `${Math.ceil(chars / 1024).toLocaleString("en-US")} KiB`;
}

/**
 * Runs the applicable detectors over every changed file. A detector that throws
 * is a bug, but the file it was reading still gets classified: the detector's
 * most severe kind, marked conservative, and a problem saying why. So does a
 * file larger than the detector reads (its `maxInput`), without being read.
 */
export function classify(
  files: readonly ChangedFile[],
  settings: DetectorSettings,
  detectors: readonly Detector[] = DETECTORS,
): Classification {
  const findings: Finding[] = [];
  const problems: DetectionProblem[] = [];
  for (const file of files) {
    const size = inputSize(file);
    for (const detector of detectorsFor(file, detectors)) {
      const bound = detector.maxInput ?? DEFAULT_MAX_INPUT;
      if (size > bound) {
        const message =
          `${kib(size)} of patch and content is more than the ${detector.id} detector reads (${kib(bound)}); ` +
          `split the change or the file so that each is smaller`;
        problems.push({ path: file.path, detector: detector.id, message });
        findings.push({
          kind: detector.kinds[0]!,
          path: file.path,
          detail: `not analysed (${message}); assuming the worst`,
          conservative: true,
        });
        continue;
      }
      try {
        const result = detector.detect(file, settings);
        findings.push(...result.findings);
        problems.push(...result.problems);
      } catch (error) {
        const message = `detector failed: ${(error as Error).message}`;
        problems.push({ path: file.path, detector: detector.id, message });
        findings.push({
          kind: detector.kinds[0]!,
          path: file.path,
          detail: `could not be analysed (${message}); assuming the worst`,
          conservative: true,
        });
      }
    }
  }
  return { findings, problems };
}
