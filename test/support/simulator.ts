import { afterAll } from "vitest";
import { startSimulator, type Simulator, type SimulatorOptions } from "../../dev/shopify/server";

export interface TestSimulator extends Simulator {
  shop: string;
  token: string;
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, token?: string): Promise<{ status: number; body: { data?: T; errors?: unknown; extensions?: { cost?: Record<string, unknown> } } }>;
  accessToken(shop: string): Promise<string>;
}

/** A simulated shop for one test file, with an access token for its default shop. */
export async function useSimulator(options: Partial<SimulatorOptions> = {}): Promise<TestSimulator> {
  const sim = await startSimulator({
    appUrl: options.appUrl ?? "http://127.0.0.1:9",
    apiKey: options.apiKey ?? "atelier-dev-api-key",
    apiSecret: options.apiSecret ?? "atelier-dev-api-secret-not-for-production",
    mediaProcessingMs: 60,
    ...options,
  });
  afterAll(() => sim.close());
  const shop = options.defaultShop ?? "sim-test.myshopify.com";
  const accessToken = async (s: string) => {
    const r = await fetch(`${sim.url}/__sim/access-tokens`, { method: "POST", body: JSON.stringify({ shop: s }) });
    return ((await r.json()) as { accessToken: string }).accessToken;
  };
  const token = await accessToken(shop);
  return {
    ...sim,
    shop,
    token,
    accessToken,
    async gql(query, variables, t = token) {
      const r = await fetch(`${sim.url}/admin/api/2026-01/graphql.json`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": t },
        body: JSON.stringify({ query, variables }),
      });
      return { status: r.status, body: (await r.json()) as never };
    },
  };
}
