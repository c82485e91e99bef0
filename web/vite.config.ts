import { defineConfig } from "vitest/config";

// One single-page app; the orchestrator serves dist/index.html for its client routes
// (/, /d/<code>, /i/<token>, /app, /m) and dist/assets/* as static files.
export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    assetsDir: "assets",
    emptyOutDir: true,
    sourcemap: true,
    // dist/.vite/manifest.json: which chunks each entry imports (bench/bundle.py reads it).
    manifest: true,
    target: "es2022",
    rollupOptions: {
      onwarn(warning, warn) {
        // janus.js is a UMD wrapper that probes `module` before `window`; harmless.
        if (warning.code === "COMMONJS_VARIABLE_IN_ESM" && warning.id?.includes("janus-gateway")) {
          return;
        }
        warn(warning);
      },
    },
  },
  server: {
    proxy: {
      "/api": { target: "http://127.0.0.1:8080", ws: true },
    },
  },
  test: {
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
    environment: "node",
  },
});
