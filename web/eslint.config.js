import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/"] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
    },
  },
  {
    files: ["src/lib/**/*.ts", "src/lib/**/*.tsx"],
    ignores: ["src/lib/**/*.test.ts"],
    rules: {
      // web/src/lib has no DOM access: the UI folders pass in what it needs.
      "no-restricted-globals": ["error", "document", "window"],
    },
  },
  {
    files: ["src/**/*.ts", "src/**/*.tsx"],
    ignores: ["src/lib/call.ts", "src/lib/call-publisher.ts", "src/lib/call-remote.ts", "src/lib/videoroom.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { paths: [{ name: "janus-gateway", message: "only the call modules (src/lib/call.ts, call-publisher.ts, call-remote.ts, videoroom.ts) import janus.js" }] },
      ],
    },
  },
  { files: ["eslint.config.js"], ...tseslint.configs.disableTypeChecked },
  {
    // The service worker (Web Push) is plain JavaScript served as it is at /sw.js.
    files: ["public/sw.js"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { ...globals.serviceworker },
    },
  },
);
