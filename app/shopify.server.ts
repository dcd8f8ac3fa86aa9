import "@shopify/shopify-app-remix/adapters/node";
import {
  ApiVersion,
  AppDistribution,
  LogSeverity,
  shopifyApp,
  type AdminApiContext,
} from "@shopify/shopify-app-remix/server";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import prisma from "./db.server";
import { appEnv } from "./env.server";
import { redactTokens } from "./lib/redact-url.mjs";
import { logger } from "./logger.server";
import { recordInstall } from "./services/shops.server";
import { EncryptedSessionStorage } from "./lib/encrypted-session-storage.server";

const env = appEnv();

export const ADMIN_API_VERSION = ApiVersion.January26;

const SHOP_DETAILS = `#graphql
  query AtelierShopDetails { shop { name email currencyCode } }`;

async function shopDetails(admin: AdminApiContext) {
  try {
    const response = await admin.graphql(SHOP_DETAILS);
    const body = (await response.json()) as { data?: { shop?: { name?: string; email?: string; currencyCode?: string } } };
    return body.data?.shop ?? {};
  } catch (error) {
    // Details are cosmetic; the install itself must not fail because of them.
    logger.warn({ err: error }, "could not read shop details after auth");
    return {};
  }
}

const LIBRARY_LOG_LEVEL: Record<string, LogSeverity> = {
  fatal: LogSeverity.Error,
  error: LogSeverity.Error,
  silent: LogSeverity.Error,
  warn: LogSeverity.Warning,
  info: LogSeverity.Info,
  debug: LogSeverity.Debug,
  trace: LogSeverity.Debug,
};

const shopify = shopifyApp({
  logger: {
    level: LIBRARY_LOG_LEVEL[env.LOG_LEVEL] ?? LogSeverity.Info,
    // The library's debug lines quote session tokens; they go through our logger, redacted.
    log: (severity, message) => {
      const line = redactTokens(message);
      if (severity === LogSeverity.Error) logger.error(line);
      else if (severity === LogSeverity.Warning) logger.warn(line);
      else if (severity === LogSeverity.Info) logger.info(line);
      else logger.debug(line);
    },
  },
  apiKey: env.SHOPIFY_API_KEY,
  apiSecretKey: env.SHOPIFY_API_SECRET,
  apiVersion: ADMIN_API_VERSION,
  scopes: env.SCOPES.split(","),
  appUrl: env.SHOPIFY_APP_URL,
  authPathPrefix: "/auth",
  // Access tokens are encrypted at rest (decision 010).
  sessionStorage: new EncryptedSessionStorage(new PrismaSessionStorage(prisma)),
  distribution: AppDistribution.AppStore,
  future: { unstable_newEmbeddedAuthStrategy: true },
  hooks: {
    afterAuth: async ({ session, admin }) => {
      const details = await shopDetails(admin);
      await recordInstall(prisma, {
        domain: session.shop,
        name: details.name,
        email: details.email,
        currency: details.currencyCode,
        welcomeCredits: env.WELCOME_BONUS_CREDITS,
      });
    },
  },
  ...(env.SHOP_CUSTOM_DOMAIN ? { customShopDomains: [env.SHOP_CUSTOM_DOMAIN] } : {}),
});

export default shopify;
export const apiVersion = ADMIN_API_VERSION;
export const addDocumentResponseHeaders = shopify.addDocumentResponseHeaders;
export const authenticate = shopify.authenticate;
export const unauthenticated = shopify.unauthenticated;
export const login = shopify.login;
export const registerWebhooks = shopify.registerWebhooks;
export const sessionStorage = shopify.sessionStorage;
