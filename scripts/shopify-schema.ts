// `npm run shopify:schema`: downloads Shopify's Admin GraphQL schema (SDL) for the
// simulated shop, when online. Needs a store and an Admin API access token:
//   SHOPIFY_SCHEMA_SHOP=my-store.myshopify.com SHOPIFY_SCHEMA_TOKEN=shpat_… \
//   SHOPIFY_SCHEMA_VERSION=2026-04 SHOPIFY_ADMIN_SCHEMA=../shared/shopify/admin-2026-04.schema.graphql \
//   npm run shopify:schema
// then point SHOPIFY_ADMIN_SCHEMA at the new file (and move the app's ApiVersion with it).
import { writeFileSync } from "node:fs";
import { buildClientSchema, getIntrospectionQuery, printSchema, type IntrospectionQuery } from "graphql";

const shop = process.env.SHOPIFY_SCHEMA_SHOP;
const token = process.env.SHOPIFY_SCHEMA_TOKEN;
const version = process.env.SHOPIFY_SCHEMA_VERSION ?? "2026-01";
const out = process.env.SHOPIFY_ADMIN_SCHEMA ?? `admin-${version}.schema.graphql`;

if (!shop || !token) {
  console.error("Set SHOPIFY_SCHEMA_SHOP and SHOPIFY_SCHEMA_TOKEN (see the comment at the top of scripts/shopify-schema.ts).");
  process.exit(1);
}
const response = await fetch(`https://${shop}/admin/api/${version}/graphql.json`, {
  method: "POST",
  headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": token },
  body: JSON.stringify({ query: getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }) }),
});
const body = (await response.json()) as { data?: IntrospectionQuery; errors?: unknown };
if (!response.ok || !body.data) {
  console.error(`Introspection failed (${response.status}): ${JSON.stringify(body.errors ?? body)}`);
  process.exit(1);
}
writeFileSync(out, `${printSchema(buildClientSchema(body.data))}\n`);
console.log(`wrote ${out}`);
