import { loadHclGrammarOnDemand } from "../changes/hcl-grammar.js";
import { main } from "./main.js";

// Most commands never parse HCL: the grammar loads when a command is about to read a .tf file.
loadHclGrammarOnDemand();

// The process boundary: arguments in, text out, an exit code.
process.exitCode = await main(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
});
