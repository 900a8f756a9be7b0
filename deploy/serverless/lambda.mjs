// AWS Lambda entry point (Node.js 20 runtime, ES module). Set the function's
// handler to "deploy/serverless/lambda.handler" and deploy the repository with
// its runtime dependencies (`npm ci --omit=dev`: tsx is one of them), so that the
// TypeScript runs as it does on the server, without a build step. tsx keeps its
// compile cache in /tmp, the one writable directory on Lambda.
// See docs/operations.md, "Serverless".
import { register } from "tsx/esm/api";

register();
const { handler } = await import("../../src/ops/serverless.ts");

export { handler };
