import tsconfigPaths from "vite-tsconfig-paths";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [tsconfigPaths()],
  test: {
    include: ["test/**/*.test.ts", "app/**/*.test.ts", "worker/**/*.test.ts", "dev/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    // Gives every test file its own database, copied from the migrated template.
    setupFiles: ["test/support/route-fetch.ts", "test/support/per-file-database.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { NODE_ENV: "test", LOG_LEVEL: "silent" },
  },
});
