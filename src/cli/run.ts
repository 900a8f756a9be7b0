import { main } from "./main.js";

// The process boundary: arguments in, text out, an exit code.
process.exitCode = await main(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
});
