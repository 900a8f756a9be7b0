import { createRequire } from "node:module";
import type { Parser } from "web-tree-sitter";

/**
 * tree-sitter's HCL grammar (WebAssembly, run by web-tree-sitter) for the
 * Terraform detector, loaded once.
 *
 * Loading it is asynchronous (WebAssembly compilation: a good part of a CLI
 * start) while detectors are synchronous, so someone must load it before a
 * `.tf` file's content is read. Two ways:
 *
 * - By default (the app server, the serverless handler, tests), terraform.ts
 *   awaits it when it loads, as it always did: the app's path from webhook to
 *   `classify` has no step that could wait for it later.
 * - A process that says so (`loadHclGrammarOnDemand`: the CLI's entry point)
 *   skips that; its commands load the grammar themselves when they are about to
 *   read `.tf` content (`explain` on a git range; `sweep`, which runs the app's
 *   code, at its start). `lint`, `matrix`, `codeowners` and `explain --files`
 *   never parse HCL and never load it.
 *
 * Reading a `.tf` file before the grammar is loaded throws, which `classify`
 * turns into the detector's most severe kind with a problem saying why: a
 * command that forgot to load it fails closed, never passes.
 *
 * The two WebAssembly files are read from node_modules, except where there is
 * none: the GitHub Action's single-file bundle carries them and hands them over
 * (`useHclGrammarBinaries`) before anything loads the detectors.
 */

const GRAMMAR = "@tree-sitter-grammars/tree-sitter-hcl/tree-sitter-hcl.wasm";

let parser: Parser | undefined;
let loading: Promise<void> | undefined;
let onDemand = false;
let binaries: { runtime: Uint8Array; grammar: Uint8Array } | undefined;

/** tree-sitter's own WebAssembly (web-tree-sitter's tree-sitter.wasm) and the HCL grammar's, as bytes. */
export function useHclGrammarBinaries(files: { runtime: Uint8Array; grammar: Uint8Array }): void {
  binaries = files;
}

/** Loads tree-sitter and the HCL grammar, once; later calls wait for the same load. */
export function loadHclGrammar(): Promise<void> {
  loading ??= (async () => {
    // Imported here, not at the top: the library is part of what a start need not load.
    const { Language, Parser } = await import("web-tree-sitter");
    await Parser.init(binaries ? { wasmBinary: binaries.runtime } : undefined);
    const hcl = await Language.load(
      binaries?.grammar ?? createRequire(import.meta.url).resolve(GRAMMAR),
    );
    const ready = new Parser();
    ready.setLanguage(hcl);
    parser = ready;
  })();
  return loading;
}

/** For the CLI's entry point, before any command loads the detectors: their module load no longer loads the grammar. */
export function loadHclGrammarOnDemand(): void {
  onDemand = true;
}

/** What terraform.ts awaits when it loads: the grammar, unless this process loads it on demand. */
export async function hclGrammarAtModuleLoad(): Promise<void> {
  if (!onDemand) await loadHclGrammar();
}

function loadedParser(): Parser {
  if (!parser)
    throw new Error(
      "the HCL grammar is not loaded (await loadHclGrammar() before reading .tf content)",
    );
  return parser;
}

/** The HCL parser, for synchronous use once the grammar is loaded. */
export const hclParser = {
  parse: (...args: Parameters<Parser["parse"]>): ReturnType<Parser["parse"]> =>
    loadedParser().parse(...args),
  reset: (): void => loadedParser().reset(),
};
