import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { afterAll, expect } from "vitest";
import { startStripeStandIn, type StripeStandIn, type StripeStandInOptions } from "../../dev/stripe/server";

// Shared by the stand-in's tests: the stand-in with the real SDK pointed at it, and a
// small app playing the webhook endpoint (and the success/cancel pages).

export const SECRET_KEY = "sk_test_standin_suite";
export const WEBHOOK_SECRET = "whsec_standin_suite_secret";
export const TOLERANCE_SECONDS = 300;

export interface ReceivedHook {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
}

export interface WebhookApp {
  url: string;
  received: ReceivedHook[];
  /** How the app answers webhooks from now on: the status, after `delayMs`. */
  answer(status: number, delayMs?: number): void;
  /** POSTs received for /webhooks/stripe, newest last. */
  hooks(): ReceivedHook[];
}

export async function startWebhookApp(): Promise<WebhookApp> {
  const received: ReceivedHook[] = [];
  let status = 200;
  let delayMs = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, raw: Buffer.concat(chunks).toString("utf8") });
      const reply = () => {
        res.writeHead(req.method === "POST" ? status : 200, { "Content-Type": "text/plain" });
        res.end(req.method === "POST" ? "received" : `page ${req.url}`);
      };
      if (req.method === "POST" && delayMs > 0) setTimeout(reply, delayMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    answer(nextStatus, nextDelayMs = 0) {
      status = nextStatus;
      delayMs = nextDelayMs;
    },
    hooks: () => received.filter((r) => r.method === "POST" && r.path === "/webhooks/stripe"),
  };
}

export interface Suite {
  standIn: StripeStandIn;
  app: WebhookApp;
  stripe: Stripe;
  /** POSTs JSON to a /__stripe/ control endpoint. */
  control<T = Record<string, unknown>>(path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** The events the app received, verified with the SDK exactly as the app will. */
  verifiedEvents(): Stripe.Event[];
}

export function sdkFor(standIn: StripeStandIn, key = SECRET_KEY): Stripe {
  return new Stripe(key, { host: "127.0.0.1", port: standIn.port, protocol: "http", maxNetworkRetries: 0 });
}

export async function useStandIn(options: Partial<StripeStandInOptions> = {}): Promise<Suite> {
  const app = await startWebhookApp();
  const standIn = await startStripeStandIn({ secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, webhookUrl: `${app.url}/webhooks/stripe`, ...options });
  afterAll(() => standIn.close());
  const stripe = sdkFor(standIn);
  return {
    standIn,
    app,
    stripe,
    async control(path, body = {}) {
      const r = await fetch(`${standIn.url}/__stripe/${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      return { status: r.status, body: (await r.json()) as never };
    },
    verifiedEvents: () => app.hooks().map((h) => stripe.webhooks.constructEvent(h.raw, String(h.headers["stripe-signature"]), WEBHOOK_SECRET, TOLERANCE_SECONDS)),
  };
}

export const STARTER_ITEM = { quantity: 1, price_data: { currency: "usd", unit_amount: 1900, product_data: { name: "Starter · 50 credits" } } };

/** A Checkout Session for a pack, as the app will create one. */
export function createSession(suite: Suite, extra: Partial<Stripe.Checkout.SessionCreateParams> = {}, options?: Stripe.RequestOptions) {
  return suite.stripe.checkout.sessions.create(
    {
      mode: "payment",
      line_items: [STARTER_ITEM],
      success_url: `${suite.app.url}/app/credits?checkout={CHECKOUT_SESSION_ID}`,
      cancel_url: `${suite.app.url}/app/credits?cancelled=1`,
      metadata: { shop: "atelier-test.myshopify.com", pack: "starter" },
      ...extra,
    },
    options,
  );
}

/** Reads the hosted page's form: where it posts and the buttons' labels and values. */
export async function readCheckoutPage(url: string): Promise<{ status: number; html: string; action: string | null; buttons: { label: string; value: string }[] }> {
  const r = await fetch(url);
  const html = await r.text();
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? null;
  const buttons = [...html.matchAll(/<button type="submit" name="action" value="([^"]+)">([^<]+)<\/button>/g)].map((m) => ({ value: m[1]!, label: m[2]! }));
  return { status: r.status, html, action: action && new URL(action, url).href, buttons };
}

/** Presses a button on the hosted page as a browser would (no redirect following). */
export async function pressButton(pageUrl: string, label: string): Promise<Response> {
  const page = await readCheckoutPage(pageUrl);
  const button = page.buttons.find((b) => b.label === label);
  expect(button, `button "${label}" on ${pageUrl}`).toBeDefined();
  return fetch(page.action!, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ action: button!.value }),
    redirect: "manual",
  });
}

/** Sends a raw request to the stand-in's API, for what the SDK would never send. */
export async function rawApi(standIn: StripeStandIn, method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const r = await fetch(`${standIn.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${SECRET_KEY}`, ...(body !== undefined ? { "Content-Type": "application/x-www-form-urlencoded" } : {}), ...headers },
    body,
  });
  return { status: r.status, headers: r.headers, body: (await r.json()) as { error?: { type: string; message: string; param?: string; code?: string } } & Record<string, unknown> };
}

/** Awaits a rejected SDK call and returns the StripeError it raised. */
export async function stripeError(call: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(Stripe.errors.StripeError);
    return error as Stripe.errors.StripeError;
  }
  throw new Error("expected the Stripe call to fail");
}
