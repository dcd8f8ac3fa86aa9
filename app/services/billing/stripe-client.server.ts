import Stripe from "stripe";

const clients = new Map<string, Stripe>();

/**
 * The Stripe SDK for a key and API base. The base is Stripe's own in production and
 * the Stripe stand-in (dev/stripe) in development and tests, reached with the SDK's
 * host/port/protocol options, so nothing downstream knows the difference.
 */
export function stripeClient(secretKey: string, apiUrl: string): Stripe {
  const cacheKey = `${secretKey} ${apiUrl}`;
  let client = clients.get(cacheKey);
  if (!client) {
    const url = new URL(apiUrl);
    const protocol = url.protocol === "http:" ? "http" : "https";
    client = new Stripe(secretKey, {
      host: url.hostname,
      port: url.port ? Number(url.port) : protocol === "http" ? 80 : 443,
      protocol,
      maxNetworkRetries: 2,
      timeout: 20_000,
      appInfo: { name: "Atelier" },
    });
    clients.set(cacheKey, client);
  }
  return client;
}
