import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["build/**", "node_modules/**", ".cache/**", "public/build/**", "test-results/**", "bench/results/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: "module" },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "off",
    },
  },
  {
    files: ["**/*.mjs"],
    languageOptions: {
      globals: { console: "readonly", process: "readonly", URL: "readonly", Request: "readonly", Headers: "readonly" },
    },
  },
  {
    // Plain scripts served to browsers by the simulated shop.
    files: ["dev/**/public/*.js"],
    languageOptions: {
      sourceType: "script",
      globals: Object.fromEntries(
        [
          "window", "document", "location", "fetch", "URL", "URLSearchParams", "Headers", "Request", "Map",
          "Promise", "CustomEvent", "HTMLElement", "customElements", "MutationObserver", "atob", "setTimeout",
        ].map((g) => [g, "readonly"]),
      ),
    },
  },
  {
    // Domain services are shared with the worker: no Remix, no BullMQ in them.
    files: ["app/services/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["@remix-run/*", "@shopify/shopify-app-remix*"], message: "services must not depend on Remix" },
            { group: ["bullmq", "bullmq/*"], message: "services must not depend on BullMQ; the worker adapts them" },
          ],
        },
      ],
    },
  },
);
