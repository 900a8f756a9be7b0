// `npm run lint`: ESLint's and typescript-eslint's recommended rules (syntax only, not the
// type-checked set: it needs no TypeScript program and runs in seconds).
//
// Formatting is Prettier's (.prettierrc.json; `npm run format` writes it, `npm run lint` checks it);
// ESLint's recommended sets hold no formatting rules, so the two never disagree.
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig(
  // dist/ is generated (dist/action.js is committed for the Action, but built by esbuild).
  { ignores: ["dist/", "coverage/", "reports/", "scratch/", "test/fixtures/", ".stryker-tmp/"] },
  js.configs.recommended,
  tseslint.configs.recommended,
  // Plain JavaScript files run on Node: the bin, build and tool configs, the Lambda handler.
  { files: ["**/*.{js,mjs,cjs}"], languageOptions: { globals: globals.node } },
  {
    rules: {
      // Rest siblings are how a field is left out of a copy (`const { a: _, ...rest } = x`).
      "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true }],
    },
  },
);
