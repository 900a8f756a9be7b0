// AWS Lambda entry point (Node.js 20 or later runtime, ES module). Set the
// function's handler to "deploy/serverless/lambda.handler" and deploy the
// repository built (`npm ci && npm run build`) with its runtime dependencies
// (`npm prune --omit=dev`): this file, dist/, policies/, package.json and
// node_modules. See docs/operations.md, "Serverless".
export { handler } from "../../dist/ops/serverless.js";
