// Runs the Stripe stand-in on its own: `node --import tsx dev/stripe/main.ts`.
// Defaults are the development-only credentials in dev-config.ts.
import { DEV_STRIPE_SECRET_KEY, DEV_STRIPE_STANDIN_PORT, DEV_STRIPE_WEBHOOK_SECRET } from "./dev-config";
import { startStripeStandIn } from "./server";

const port = Number(process.env.STRIPE_STANDIN_PORT ?? DEV_STRIPE_STANDIN_PORT);
const webhookUrl = process.env.STRIPE_STANDIN_WEBHOOK_URL ?? "http://127.0.0.1:3000/webhooks/stripe";
const standIn = await startStripeStandIn({
  port,
  host: process.env.STRIPE_STANDIN_HOST ?? "127.0.0.1",
  publicUrl: process.env.STRIPE_STANDIN_PUBLIC_URL,
  secretKey: process.env.STRIPE_STANDIN_SECRET_KEY ?? DEV_STRIPE_SECRET_KEY,
  webhookSecret: process.env.STRIPE_STANDIN_WEBHOOK_SECRET ?? DEV_STRIPE_WEBHOOK_SECRET,
  webhookUrl,
});
console.log(`Stripe stand-in (test mode, dev only) on ${standIn.url}; webhooks to ${webhookUrl}`);
const stop = () => void standIn.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
