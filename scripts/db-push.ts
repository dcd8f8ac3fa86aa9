// `npm run db:push`: applies supabase/migrations to DATABASE_URL with the Supabase
// CLI (local PostgreSQL or a hosted Supabase project alike).
import { DEFAULT_DATABASE_URL } from "../app/lib/env-schema";
import { pushMigrations } from "./lib/schema";

try {
  pushMigrations(process.env.DATABASE_URL || DEFAULT_DATABASE_URL);
  console.log("[db:push] migrations applied");
} catch (error) {
  console.error(`[db:push] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
