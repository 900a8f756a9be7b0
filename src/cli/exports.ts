import { formatProblem } from "../policy/problems.js";
import { renderCodeowners } from "../render/codeowners.js";
import { renderMatrix } from "../render/matrix.js";
import { trackedFiles } from "./git.js";
import type { CodeownersArgs, Io, LintArgs, MatrixArgs } from "./args.js";
import { loadPolicyArgument, requirePolicy } from "./policy.js";

export async function lintCommand(args: LintArgs, io: Io): Promise<number> {
  const result = await loadPolicyArgument(args.policy, {
    allowOutsideRepo: args["allow-outside-repo"],
  });
  for (const p of result.problems) io.out(formatProblem(p));
  const errors = result.problems.filter((p) => p.severity === "error").length;
  const warnings = result.problems.length - errors;
  if (!result.policy) {
    io.out(
      `${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}`,
    );
    return 1;
  }
  const policy = result.policy;
  let unowned = 0;
  if (args.repo) {
    for (const path of trackedFiles(args.repo)) {
      if (policy.index.match(path).length > 0) continue;
      io.out(`${path}: warning: no area owns this file`);
      unowned++;
    }
  }
  io.out(
    `${policy.sources[0]}: ${policy.areas.length} areas, ${policy.rules.length} rules, ${policy.roles.size} roles; ` +
      `${errors} errors, ${warnings} warnings${args.repo ? `, ${unowned} unowned file${unowned === 1 ? "" : "s"}` : ""}`,
  );
  return 0;
}

export async function codeownersCommand(args: CodeownersArgs, io: Io): Promise<number> {
  const { text, warnings } = renderCodeowners(await requirePolicy(args.policy, io), args.org);
  for (const w of warnings) io.err(`warning: ${w}`);
  io.out(text);
  return 0;
}

export async function matrixCommand(args: MatrixArgs, io: Io): Promise<number> {
  io.out(renderMatrix(await requirePolicy(args.policy, io)));
  return 0;
}
