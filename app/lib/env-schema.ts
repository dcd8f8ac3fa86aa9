import { z } from "zod";

// Shared pieces of the per-process environment schemas (app/env.server.ts,
// worker/env.server.ts).

export const nodeEnv = z.enum(["development", "test", "production"]).default("development");

export const postgresUrl = z
  .string()
  .url()
  .refine((u) => /^postgres(ql)?:\/\//.test(u), "must be a postgresql:// URL");

export const redisUrl = z
  .string()
  .url()
  .refine((u) => /^rediss?:\/\//.test(u), "must be a redis:// or rediss:// URL");

export const logLevel = z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info");

/** Origins like http://127.0.0.1:3100, comma-separated (development stand-ins). */
export const devOrigins = z
  .string()
  .default("")
  .transform((s) => s.split(",").map((o) => o.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^https?:\/\/[a-z0-9.-]+(:\d+)?$/i, "origins like http://127.0.0.1:3100")));

export const DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/atelier";
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";
/** Signs provider webhook URLs; app and worker must share it. Refused in production. */
export const DEV_PROVIDER_WEBHOOK_SECRET = "atelier-dev-provider-webhook-secret";

/** Every failing field, one per line, so a bad deploy names all of its mistakes at once. */
export function formatEnvError(error: z.ZodError): string {
  return error.issues.map((i) => `  ${i.path.join(".") || "(root)"}: ${i.message}`).join("\n");
}

export class EnvError extends Error {
  constructor(processName: string, error: z.ZodError) {
    super(`Invalid ${processName} configuration:\n${formatEnvError(error)}`);
    this.name = "EnvError";
  }
}

/** Treats empty strings as unset, the way `.env` files and CI secrets often pass them. */
export function withoutEmpty(source: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== "")) as Record<
    string,
    string
  >;
}

/** An optional variable holding JSON, checked by `schema` once parsed. */
export function jsonEnv<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (!s) return undefined;
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "not JSON" });
        return z.NEVER;
      }
    })
    .pipe(schema.optional());
}
