import { vitePlugin as remix } from "@remix-run/dev";
import { defineConfig } from "vite";
import tsconfigPaths from "vite-tsconfig-paths";

declare module "@remix-run/node" {
  interface Future {
    v3_singleFetch: true;
  }
}

const port = Number(process.env.PORT ?? 3000);

export default defineConfig({
  server: {
    host: process.env.HOST ?? "127.0.0.1",
    port,
    strictPort: true,
    // The embedded admin and the app run on different origins in dev.
    cors: { preflightContinue: true },
    hmr: { port: Number(process.env.HMR_PORT ?? 64999) },
    fs: { allow: ["app", "node_modules"] },
  },
  plugins: [
    remix({
      ignoredRouteFiles: ["**/.*", "**/*.test.*"],
      buildDirectory: process.env.REMIX_BUILD_DIR ?? "build",
      future: {
        v3_fetcherPersist: true,
        v3_relativeSplatPath: true,
        v3_throwAbortReason: true,
        v3_lazyRouteDiscovery: true,
        v3_singleFetch: true,
        v3_routeConfig: false,
      },
    }),
    tsconfigPaths(),
  ],
  build: { assetsInlineLimit: 0 },
  // Everything the browser graph reaches, optimized at startup: a dependency discovered
  // on the first request makes Vite reload the page mid-hydration, with two copies of
  // React. Discovery is off because its scan of route modules also finds their
  // server-only imports (pg, bullmq) and re-optimizes on the first page load.
  optimizeDeps: {
    noDiscovery: true,
    include: [
      "zod",
      "@shopify/polaris-icons",
      "react",
      "react-dom",
      "react-dom/client",
      "react/jsx-runtime",
      "react/jsx-dev-runtime",
      "@remix-run/react",
      "@shopify/app-bridge-react",
      "@shopify/polaris",
      "@shopify/shopify-app-remix/react",
      "@shopify/shopify-app-remix/server",
      "@shopify/shopify-app-remix/adapters/node",
    ],
  },
});
