// Shopify's libraries capture globalThis.fetch when imported; the router must be in
// place first so tests can point the app at a simulated shop.
import "../../dev/shopify/route-fetch.mjs";
