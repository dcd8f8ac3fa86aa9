// Runs the simulated shop on its own (npm run dev starts it beside the app).
import { parseAppEnv } from "../../app/env.server";
import { startSimulator } from "./server";

const env = parseAppEnv(process.env);
const port = Number(process.env.SIM_PORT ?? 3100);
const sim = await startSimulator({
  port,
  appUrl: env.SHOPIFY_APP_URL,
  apiKey: env.SHOPIFY_API_KEY,
  apiSecret: env.SHOPIFY_API_SECRET,
  defaultShop: env.DEV_SHOP_DOMAIN,
  products: Number(process.env.SIM_PRODUCTS ?? 60),
  seed: Number(process.env.SIM_SEED ?? 1),
  restoreRate: Number(process.env.SIM_RESTORE_RATE ?? 100),
  bucketSize: Number(process.env.SIM_BUCKET_SIZE ?? 2000),
});
console.log(`simulated shop ${env.DEV_SHOP_DOMAIN} on ${sim.url}`);
const stop = () => void sim.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
