// Loaded with `node --import` (or a test setup file) before Shopify's libraries:
// when SHOPIFY_SIMULATOR_URL is set, requests addressed to https://*.myshopify.com
// go to the simulated shop instead, which learns the shop from x-simulated-shop.
// The app's own code never sees the difference.
const original = globalThis.fetch;

globalThis.fetch = async function routedFetch(input, init) {
  const simulator = process.env.SHOPIFY_SIMULATOR_URL;
  if (!simulator) return original(input, init);
  const request = input instanceof Request ? input : null;
  const url = new URL(request ? request.url : String(input));
  if (!url.hostname.endsWith(".myshopify.com")) return original(input, init);
  const target = new URL(url.pathname + url.search, simulator);
  const headers = new Headers(init?.headers ?? request?.headers);
  headers.set("x-simulated-shop", url.hostname);
  if (request) {
    return original(new Request(target, { method: request.method, headers, body: request.body, duplex: "half" }), init);
  }
  return original(target, { ...init, headers });
};
