// ESLint (typescript-eslint's recommended rules) over the library, scripts, tests and benchmarks.
// Formatting is prettier's job (.prettierrc.json), so no stylistic rules here. `npm run lint`
// runs both checks; `npm test` runs it first.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "results/", "node_modules/", "**/*.d.ts", "bench/reference/", ".kernel/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: "readonly",
        process: "readonly",
        __dirname: "readonly",
        __filename: "readonly",
        require: "readonly",
        module: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setImmediate: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        performance: "readonly",
        Buffer: "readonly",
        TextEncoder: "readonly",
        TextDecoder: "readonly",
        URL: "readonly",
        structuredClone: "readonly",
        queueMicrotask: "readonly",
        WebAssembly: "readonly",
        SharedArrayBuffer: "readonly",
        Atomics: "readonly",
        globalThis: "readonly",
        document: "readonly",
        window: "readonly",
      },
    },
    rules: {
      // Unused names are errors, but `_`-prefixed ones say "deliberately unused".
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
    },
  },
);
