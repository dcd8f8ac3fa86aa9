import { createAdminApiClient } from "@shopify/admin-api-client";
import { CostBucket, type ThrottleStatus } from "./cost-bucket.server";

export const ADMIN_API_VERSION = "2026-01";

export class ShopifyThrottledError extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`Shopify throttled the request; retry in ${retryAfterMs} ms`);
    this.name = "ShopifyThrottledError";
  }
}

export class ShopifyGraphQLError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly errors: unknown,
  ) {
    super(message);
    this.name = "ShopifyGraphQLError";
  }
}

export interface AdminGraphQL {
  request<T>(operation: string, variables?: Record<string, unknown>): Promise<T>;
  readonly bucket: CostBucket;
}

interface CostExtension {
  requestedQueryCost?: number;
  actualQueryCost?: number | null;
  throttleStatus?: ThrottleStatus;
}

// One bucket per shop and process: every client of a shop paces against the same model.
const buckets = new Map<string, CostBucket>();

function operationKey(operation: string): string {
  return operation.replace(/\s+/g, " ").trim();
}

/**
 * Admin GraphQL for one shop, paced by the calculated query cost. A THROTTLED answer
 * becomes ShopifyThrottledError with the wait Shopify's numbers imply, so a queue can
 * delay the job instead of failing it.
 */
export function createAdminGraphQL(p: {
  shop: string;
  accessToken: string;
  apiVersion?: string;
  sleep?: (ms: number) => Promise<void>;
  maxWaitMs?: number;
}): AdminGraphQL {
  const client = createAdminApiClient({
    storeDomain: p.shop,
    apiVersion: p.apiVersion ?? ADMIN_API_VERSION,
    accessToken: p.accessToken,
    retries: 2,
  });
  let bucket = buckets.get(p.shop);
  if (!bucket) {
    bucket = new CostBucket();
    buckets.set(p.shop, bucket);
  }
  const sleep = p.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const maxWait = p.maxWaitMs ?? 30_000;
  const b = bucket;

  return {
    bucket: b,
    async request<T>(operation: string, variables?: Record<string, unknown>): Promise<T> {
      const key = operationKey(operation);
      const estimate = b.estimate(key);
      const wait = b.waitFor(estimate);
      if (wait > maxWait) throw new ShopifyThrottledError(wait);
      if (wait > 0) await sleep(wait);
      b.spend(estimate);
      const response = await client.request(operation, { variables });
      const cost = (response.extensions as { cost?: CostExtension } | undefined)?.cost;
      if (cost?.throttleStatus) b.observe(cost.throttleStatus);
      if (cost?.requestedQueryCost) b.recordCost(key, cost.requestedQueryCost);
      const graphQLErrors = (response.errors?.graphQLErrors ?? []) as { message?: string; extensions?: { code?: string } }[];
      if (graphQLErrors.some((e) => e.extensions?.code === "THROTTLED")) {
        const requested = cost?.requestedQueryCost ?? estimate;
        throw new ShopifyThrottledError(Math.max(1000, b.waitFor(requested)));
      }
      if (response.errors) {
        const message = graphQLErrors.map((e) => e.message).filter(Boolean).join("; ") || response.errors.message || "Admin API request failed";
        throw new ShopifyGraphQLError(message, response.errors.networkStatusCode, response.errors.graphQLErrors ?? response.errors);
      }
      return response.data as T;
    },
  };
}
