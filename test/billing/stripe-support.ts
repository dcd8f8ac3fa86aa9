import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll } from "vitest";
import { startStripeStandIn } from "../../dev/stripe/server";
import { freePort } from "../support/app-server";

/**
 * The Stripe stand-in with its webhooks delivered to the app's webhook route (called
 * in-process with the exact bytes Stripe sent). Set before the app's env is first read.
 */
export async function useStripe() {
  // The app reads its env once: name the stand-in's address before anything asks.
  const port = await freePort();
  process.env.STRIPE_API_URL = `http://127.0.0.1:${port}`;
  const { action } = await import("~/routes/webhooks.stripe");
  const forwarder = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
      const request = new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers, body: Buffer.concat(chunks) });
      void (async () => {
        const response = await action({ request, params: {}, context: {} });
        res.writeHead(response.status, { "Content-Type": "application/json" });
        res.end(await response.text());
      })().catch((error: unknown) => {
        res.writeHead(599);
        res.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => forwarder.listen(0, "127.0.0.1", resolve));
  const hook = `http://127.0.0.1:${(forwarder.address() as AddressInfo).port}/webhooks/stripe`;
  const stand = await startStripeStandIn({ secretKey: "sk_test_atelier_dev", webhookSecret: "whsec_atelier_dev", webhookUrl: hook, port });
  afterAll(async () => {
    await stand.close();
    await new Promise<void>((resolve) => forwarder.close(() => resolve()));
  });
  return { stand, hook };
}
