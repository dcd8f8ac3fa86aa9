import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { buildSchema, type GraphQLSchema } from "graphql";

const cache = new Map<string, GraphQLSchema>();

/** Shopify's published Admin schema; path from SHOPIFY_ADMIN_SCHEMA or ../shared. */
export function adminSchemaPath(): string {
  const configured = process.env.SHOPIFY_ADMIN_SCHEMA;
  if (configured) return path.resolve(configured);
  const root = path.resolve(import.meta.dirname, "../../..");
  return path.resolve(root, "../shared/shopify/admin-2026-01.schema.graphql");
}

export function loadAdminSchema(file = adminSchemaPath()): GraphQLSchema {
  let schema = cache.get(file);
  if (!schema) {
    if (!existsSync(file)) {
      throw new Error(`Shopify Admin schema not found at ${file}; set SHOPIFY_ADMIN_SCHEMA (npm run shopify:schema downloads one)`);
    }
    schema = buildSchema(readFileSync(file, "utf8"), { assumeValidSDL: true });
    cache.set(file, schema);
  }
  return schema;
}
