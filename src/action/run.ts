// The GitHub Action's entry point (action.yml runs dist/action.js, its bundle:
// `npm run build:action`). A runner has no node_modules, so the bundle carries
// everything, the two WebAssembly files of the HCL grammar included; they are
// handed over before the app (and with it the Terraform detector) loads.
import treeSitterRuntime from "web-tree-sitter/tree-sitter.wasm";
import hclGrammar from "@tree-sitter-grammars/tree-sitter-hcl/tree-sitter-hcl.wasm";
import { useHclGrammarBinaries } from "../changes/hcl-grammar.js";

useHclGrammarBinaries({ runtime: treeSitterRuntime, grammar: hclGrammar });
const { runAction } = await import("./action.js");
process.exitCode = await runAction(process.env, {
  info: (text) => process.stdout.write(`${text}\n`),
  // A workflow command: the runner shows it as an error annotation on the run.
  error: (text) =>
    process.stdout.write(
      `::error::${text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A")}\n`,
    ),
});
