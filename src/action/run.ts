// The GitHub Action's entry point (action.yml runs dist/action.js, its bundle:
// `npm run build:action`). A runner has no node_modules, so the bundle carries
// everything, the two WebAssembly files of the HCL grammar included; they are
// handed over before the app (and with it the Terraform detector) loads.
//
// The TypeScript compiler is the exception: at 3.6 MB minified it would double
// the bundle and its load time for every run, yet only a pull request that
// changes a contract file (a DTO, an API interface, Socket.IO events) needs it.
// So it is a chunk of its own beside the bundle, dist/action-typescript.cjs
// (written by the same build, committed, checked by test/action), loaded on the
// first contract file read. Without it such a file is refused as unread, a
// conservative finding whose reason says the compiler could not be loaded.
import { createRequire } from "node:module";
import treeSitterRuntime from "web-tree-sitter/tree-sitter.wasm";
import hclGrammar from "@tree-sitter-grammars/tree-sitter-hcl/tree-sitter-hcl.wasm";
import { useHclGrammarBinaries } from "../changes/hcl-grammar.js";
import { useTypeScriptLoader, type TypeScriptApi } from "../changes/typescript-source.js";

useHclGrammarBinaries({ runtime: treeSitterRuntime, grammar: hclGrammar });
// Relative to this bundle (import.meta.url is dist/action.js); a name other than
// `require`, so that the bundler leaves the call to run time.
const requireBesideBundle = createRequire(import.meta.url);
useTypeScriptLoader(() => requireBesideBundle("./action-typescript.cjs") as TypeScriptApi);
const { runAction } = await import("./action.js");
process.exitCode = await runAction(process.env, {
  info: (text) => process.stdout.write(`${text}\n`),
  // A workflow command: the runner shows it as an error annotation on the run.
  error: (text) =>
    process.stdout.write(
      `::error::${text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A")}\n`,
    ),
});
