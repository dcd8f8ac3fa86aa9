// Loaded with `node --import` (or a test setup file) before Shopify's libraries:
// when SHOPIFY_SIMULATOR_URL is set, requests addressed to https://*.myshopify.com
// go to the simulated shop instead, which learns the shop from x-simulated-shop.
// The app's own code never sees the difference.
let underlying = globalThis.fetch;

async function routedFetch(input, init) {
  const simulator = process.env.SHOPIFY_SIMULATOR_URL;
  if (!simulator) return underlying(input, init);
  const request = typeof input === "object" && input !== null && "url" in input && !(input instanceof URL) ? input : null;
  const url = new URL(request ? request.url : String(input));
  if (!url.hostname.endsWith(".myshopify.com")) return underlying(input, init);
  const target = new URL(url.pathname + url.search, simulator);
  const headers = new Headers(init?.headers ?? request?.headers);
  headers.set("x-simulated-shop", url.hostname);
  if (request) {
    const body = init?.body ?? (request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer());
    return underlying(target, { method: init?.method ?? request.method, headers, body });
  }
  return underlying(target, { ...init, headers });
}

// remix-serve (installGlobals) and others replace globalThis.fetch after start-up;
// keep routing whichever implementation they install.
Object.defineProperty(globalThis, "fetch", {
  configurable: true,
  enumerable: true,
  get: () => routedFetch,
  set: (implementation) => {
    if (implementation !== routedFetch) underlying = implementation;
  },
});
