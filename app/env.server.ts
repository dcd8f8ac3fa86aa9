import { z } from "zod";
import { DEV_SESSION_ENCRYPTION_KEYS, sessionEncryptionKeys } from "./services/shopify/token-crypto.server";
import {
  DEFAULT_DATABASE_URL,
  DEFAULT_REDIS_URL,
  DEV_PROVIDER_WEBHOOK_SECRET,
  devOrigins,
  EnvError,
  jsonEnv,
  logLevel,
  nodeEnv,
  postgresUrl,
  redisUrl,
  withoutEmpty,
} from "./lib/env-schema";
import { creditPacks, DEFAULT_CREDIT_PACKS } from "./lib/credit-packs";

// Embedded defaults make `npm run dev` work with no accounts; production must name
// its own secrets (checked below) so a forgotten variable never ships a dev key.
const DEV_API_KEY = "atelier-dev-api-key";
export const SHOPIFY_APP_BRIDGE_URL = "https://cdn.shopify.com/shopifycloud/app-bridge.js";
const DEV_API_SECRET = "atelier-dev-api-secret-not-for-production";
export const DEV_STRIPE_SECRET_KEY = "sk_test_atelier_dev";
export const DEV_STRIPE_WEBHOOK_SECRET = "whsec_atelier_dev";

const schema = z
  .object({
    NODE_ENV: nodeEnv,
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    DATABASE_URL: postgresUrl.default(DEFAULT_DATABASE_URL),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
    REDIS_URL: redisUrl.default(DEFAULT_REDIS_URL),
    REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]{1,64}$/).default("atelier"),
    SHOPIFY_API_KEY: z.string().min(1).default(DEV_API_KEY),
    SHOPIFY_API_SECRET: z.string().min(16).default(DEV_API_SECRET),
    SHOPIFY_APP_URL: z.string().url().default("http://127.0.0.1:3000"),
    SCOPES: z
      .string()
      .regex(/^[a-z_]+(,[a-z_]+)*$/, "comma-separated scopes without spaces")
      .default("read_products,write_products,write_files"),
    SHOP_CUSTOM_DOMAIN: z.string().optional(),
    /** Shopify admin, where billing and checkout send the merchant back to the app; a stand-in in development. */
    SHOPIFY_ADMIN_URL: z.string().url().default("https://admin.shopify.com"),
    /** The app's handle in admin URLs (shopify.app.toml `handle`). */
    APP_HANDLE: z.string().regex(/^[a-z0-9][a-z0-9-]{0,59}$/).default("atelier"),
    DEV_SHOP_DOMAIN: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/)
      .default("atelier-dev.myshopify.com"),
    WELCOME_BONUS_CREDITS: z.coerce.number().int().min(0).max(1000).default(10),
    /** Who takes the money for credit packs: Shopify Billing (App Store apps) or Stripe Checkout. */
    BILLING_PROVIDER: z.enum(["shopify", "stripe"]).default("shopify"),
    /** The credit packs on sale, JSON: [{"id","name","credits","price":"19.00","currency":"USD"}]. */
    CREDIT_PACKS: jsonEnv(creditPacks).transform((packs) => packs ?? DEFAULT_CREDIT_PACKS),
    /** Keys that encrypt Shopify access tokens at rest, id:base64 (32 bytes), newest first. */
    SESSION_ENCRYPTION_KEYS: z
      .string()
      .default(DEV_SESSION_ENCRYPTION_KEYS)
      .refine((spec) => sessionEncryptionKeys.safeParse(spec).success, "keys are id:base64 of 32 random bytes, comma-separated, ids unique"),
    STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_\w+$/, "a Stripe secret or restricted key").default(DEV_STRIPE_SECRET_KEY),
    STRIPE_WEBHOOK_SECRET: z.string().startsWith("whsec_").default(DEV_STRIPE_WEBHOOK_SECRET),
    /** Stripe's API; the Stripe stand-in (dev/stripe) in development and tests. */
    STRIPE_API_URL: z.string().url().default("https://api.stripe.com"),
    LOG_LEVEL: logLevel,
    /** Signs the job token in provider webhook URLs; the worker uses the same value. */
    PROVIDER_WEBHOOK_SECRET: z.string().min(16).default(DEV_PROVIDER_WEBHOOK_SECRET),
    /** Where fal publishes the keys its webhooks are signed with. */
    FAL_JWKS_URL: z.string().url().optional(),
    /** Replicate's webhook signing secret (whsec_…), from its API. */
    REPLICATE_WEBHOOK_SECRET: z.string().startsWith("whsec_").optional(),
    /** Shared with a self-hosted GPU worker to sign its callbacks (docs/gpu-worker-contract.md). */
    GPU_WORKER_WEBHOOK_SECRET: z.string().min(16).optional(),
    /** Where the embedded app loads App Bridge from; a local admin stand-in in development. */
    APP_BRIDGE_URL: z.string().url().default(SHOPIFY_APP_BRIDGE_URL),
    /** Extra origins allowed to frame the app (a local admin stand-in); development only. */
    DEV_FRAME_ANCESTORS: devOrigins,
    /** Origins exempt from the download guard's address check (the simulated shop); development only. */
    FETCH_ALLOWED_ORIGINS: devOrigins,
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV !== "production") return;
    if (env.SHOPIFY_API_KEY === DEV_API_KEY) {
      ctx.addIssue({ code: "custom", path: ["SHOPIFY_API_KEY"], message: "required in production" });
    }
    if (env.SHOPIFY_API_SECRET === DEV_API_SECRET) {
      ctx.addIssue({ code: "custom", path: ["SHOPIFY_API_SECRET"], message: "required in production" });
    }
    if (env.APP_BRIDGE_URL !== SHOPIFY_APP_BRIDGE_URL) {
      ctx.addIssue({ code: "custom", path: ["APP_BRIDGE_URL"], message: "must be Shopify's App Bridge in production" });
    }
    if (env.SESSION_ENCRYPTION_KEYS.includes(DEV_SESSION_ENCRYPTION_KEYS)) {
      ctx.addIssue({ code: "custom", path: ["SESSION_ENCRYPTION_KEYS"], message: "required in production" });
    }
    if (env.BILLING_PROVIDER === "stripe") {
      if (env.STRIPE_SECRET_KEY === DEV_STRIPE_SECRET_KEY) ctx.addIssue({ code: "custom", path: ["STRIPE_SECRET_KEY"], message: "required in production" });
      if (env.STRIPE_WEBHOOK_SECRET === DEV_STRIPE_WEBHOOK_SECRET) {
        ctx.addIssue({ code: "custom", path: ["STRIPE_WEBHOOK_SECRET"], message: "required in production" });
      }
      if (env.STRIPE_API_URL !== "https://api.stripe.com") ctx.addIssue({ code: "custom", path: ["STRIPE_API_URL"], message: "must be Stripe's API in production" });
    }
    if (env.SHOPIFY_ADMIN_URL !== "https://admin.shopify.com") {
      ctx.addIssue({ code: "custom", path: ["SHOPIFY_ADMIN_URL"], message: "must be Shopify admin in production" });
    }
    if (env.DEV_FRAME_ANCESTORS.length > 0) {
      ctx.addIssue({ code: "custom", path: ["DEV_FRAME_ANCESTORS"], message: "not allowed in production" });
    }
    if (env.FETCH_ALLOWED_ORIGINS.length > 0) {
      ctx.addIssue({ code: "custom", path: ["FETCH_ALLOWED_ORIGINS"], message: "not allowed in production" });
    }
    if (env.PROVIDER_WEBHOOK_SECRET === DEV_PROVIDER_WEBHOOK_SECRET) {
      ctx.addIssue({ code: "custom", path: ["PROVIDER_WEBHOOK_SECRET"], message: "required in production" });
    }
    if (!env.SHOPIFY_APP_URL.startsWith("https://")) {
      ctx.addIssue({ code: "custom", path: ["SHOPIFY_APP_URL"], message: "must be https:// in production" });
    }
  });

export type AppEnv = z.infer<typeof schema>;

export function parseAppEnv(source: Record<string, string | undefined>): AppEnv {
  const result = schema.safeParse(withoutEmpty(source));
  if (!result.success) throw new EnvError("app", result.error);
  return result.data;
}

let cached: AppEnv | undefined;

/** The app's validated configuration; throws naming every bad variable. */
export function appEnv(): AppEnv {
  cached ??= parseAppEnv(process.env);
  return cached;
}
