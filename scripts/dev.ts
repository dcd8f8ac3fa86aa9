// `npm run dev` after setup: the simulated shop, the app (Remix on Vite) and the
// worker fleet, with embedded defaults. Ctrl-C stops all of them.
import path from "node:path";
import { pathToFileURL } from "node:url";
import concurrently from "concurrently";
import { parseAppEnv } from "../app/env.server";
import { STANDIN_PROVIDERS, standInEnv, type StandInProvider } from "../dev/providers/dev-config";

const env = parseAppEnv(process.env);
const simPort = Number(process.env.SIM_PORT ?? 3100);
const simUrl = `http://127.0.0.1:${simPort}`;
const appUrl = env.SHOPIFY_APP_URL;
const router = pathToFileURL(path.resolve(import.meta.dirname, "../dev/shopify/route-fetch.mjs")).href;

// The app and the worker reach the simulated shop through the fetch router; the app
// loads the App Bridge stand-in and lets the simulated admin frame it.
const shared = {
  SHOPIFY_SIMULATOR_URL: simUrl,
  FETCH_ALLOWED_ORIGINS: simUrl,
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import ${router}`.trim(),
};
// BILLING_PROVIDER=stripe takes pack payments through the Stripe stand-in.
const stripePort = Number(process.env.STRIPE_STANDIN_PORT ?? 3300);
const stripeUrl = `http://127.0.0.1:${stripePort}`;
const withStripe = env.BILLING_PROVIDER === "stripe";
const appOnly = {
  APP_BRIDGE_URL: `${simUrl}/app-bridge.js`,
  DEV_FRAME_ANCESTORS: simUrl,
  // Billing approval and Stripe Checkout send the merchant back through the admin.
  SHOPIFY_ADMIN_URL: simUrl,
  ...(withStripe ? { STRIPE_API_URL: stripeUrl } : {}),
};
// GENERATION_PROVIDER=fashn|fal|replicate|http runs every shoot through that adapter
// against its stand-in, webhooks included.
const providerName = process.env.GENERATION_PROVIDER ?? "studio";
const standIn = (STANDIN_PROVIDERS as readonly string[]).includes(providerName) ? (providerName as StandInProvider) : null;
const standInUrl = `http://127.0.0.1:${process.env.PROVIDER_STANDIN_PORT ?? 3200}`;
const providerEnv = standIn ? standInEnv(standIn, standInUrl) : { worker: {}, app: {} };
const workerEnv = {
  ...shared,
  ...providerEnv.worker,
  ...(standIn ? { FETCH_ALLOWED_ORIGINS: `${simUrl},${standInUrl}`, PROVIDER_WEBHOOK_BASE_URL: appUrl } : {}),
};

const adminUrl = `${simUrl}/admin/apps/atelier?shop=${env.DEV_SHOP_DOMAIN}`;

const { result } = concurrently(
  [
    { name: "shop", command: "tsx dev/shopify/main.ts", prefixColor: "yellow", env: { SIM_PORT: String(simPort) } },
    { name: "app", command: "remix vite:dev", prefixColor: "cyan", env: { ...shared, ...appOnly, ...providerEnv.app } },
    { name: "worker", command: "tsx watch --clear-screen=false worker/index.ts", prefixColor: "magenta", env: workerEnv },
    ...(standIn ? [{ name: standIn, command: "tsx dev/providers/main.ts", prefixColor: "blue", env: { GENERATION_PROVIDER: standIn } }] : []),
    ...(withStripe
      ? [
          {
            name: "stripe",
            command: "tsx dev/stripe/main.ts",
            prefixColor: "blue",
            env: { STRIPE_STANDIN_PORT: String(stripePort), STRIPE_STANDIN_WEBHOOK_URL: `${appUrl}/webhooks/stripe` },
          },
        ]
      : []),
    {
      name: "info",
      command: `node -e "setTimeout(() => console.log('\\n  Open Atelier inside the simulated Shopify admin:\\n  ${adminUrl}\\n  (app at ${appUrl})\\n'), 3000)"`,
      prefixColor: "green",
    },
  ],
  { killOthersOn: ["failure"], prefix: "name", restartTries: 0 },
);

result.then(
  () => process.exit(0),
  () => process.exit(1),
);
