import { createHmac } from "node:crypto";
import path from "node:path";
import { z } from "zod";
import { EnvError, nodeEnv, withoutEmpty } from "../../lib/env-schema";
import { createLocalStorage, type LocalStorage } from "./local.server";
import { createSupabaseStorage, type SupabaseStorage } from "./supabase.server";

// Same value app/env.server.ts falls back to, so development signs with what it
// would have derived from the default SHOPIFY_API_SECRET.
const DEV_API_SECRET = "atelier-dev-api-secret-not-for-production";

const schema = z
  .object({
    NODE_ENV: nodeEnv,
    STORAGE_DRIVER: z.enum(["local", "supabase"]).default("local"),
    /** Relative to the working directory, which npm scripts set to the repository. */
    LOCAL_STORAGE_DIR: z.string().default(".data/storage"),
    STORAGE_SIGNING_SECRET: z.string().min(32, "at least 32 characters").optional(),
    SHOPIFY_API_SECRET: z.string().min(16).optional(),
    SHOPIFY_APP_URL: z.string().url().default("http://127.0.0.1:3000"),
    SUPABASE_URL: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//.test(u), "must be an http(s) URL")
      .optional(),
    SUPABASE_SERVICE_ROLE_KEY: z.string().min(1).optional(),
  })
  .superRefine((env, ctx) => {
    if (env.STORAGE_DRIVER === "supabase") {
      for (const key of ["SUPABASE_URL", "SUPABASE_SERVICE_ROLE_KEY"] as const) {
        if (!env[key]) ctx.addIssue({ code: "custom", path: [key], message: "required when STORAGE_DRIVER=supabase" });
      }
    } else if (env.NODE_ENV === "production" && !env.STORAGE_SIGNING_SECRET && !env.SHOPIFY_API_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["STORAGE_SIGNING_SECRET"],
        message: "required in production (or SHOPIFY_API_SECRET to derive it from)",
      });
    }
  });

export type StorageConfig =
  | { driver: "local"; root: string; appUrl: string; signingSecret: string }
  | { driver: "supabase"; url: string; serviceRoleKey: string };

/**
 * A secret of its own for signed URLs, derived when not given: leaking a signed URL
 * must never help anyone forge Shopify webhooks, so the API secret is not used as is.
 */
export function deriveSigningSecret(apiSecret: string): string {
  return createHmac("sha256", apiSecret).update("atelier/storage-signed-urls/v1").digest("base64url");
}

export function parseStorageConfig(source: Record<string, string | undefined>): StorageConfig {
  const result = schema.safeParse(withoutEmpty(source));
  if (!result.success) throw new EnvError("storage", result.error);
  const env = result.data;
  if (env.STORAGE_DRIVER === "supabase") {
    return { driver: "supabase", url: env.SUPABASE_URL!, serviceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY! };
  }
  return {
    driver: "local",
    root: path.resolve(env.LOCAL_STORAGE_DIR),
    appUrl: env.SHOPIFY_APP_URL,
    signingSecret: env.STORAGE_SIGNING_SECRET ?? deriveSigningSecret(env.SHOPIFY_API_SECRET ?? DEV_API_SECRET),
  };
}

/** The storage the configuration names: local disk by default, Supabase Storage in production. */
export function createStorage(source: Record<string, string | undefined> = process.env): LocalStorage | SupabaseStorage {
  const config = parseStorageConfig(source);
  return config.driver === "supabase" ? createSupabaseStorage(config) : createLocalStorage(config);
}
