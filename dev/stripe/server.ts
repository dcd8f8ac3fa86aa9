import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpError, send } from "../shopify/http/util";
import { handleApi } from "./api/handle";
import { expireDue } from "./checkout";
import { controls, type StandInControls } from "./control";
import { handleControl } from "./control-http";
import { StripeApiError } from "./errors";
import { deliverSubscribed } from "./events";
import { handleHostedPage } from "./hosted-page";
import { NO_REQUEST, type StandInConfig, type StandInRuntime } from "./runtime";
import { StripeState } from "./state";

// A Stripe stand-in over real HTTP for development and tests: the official `stripe`
// SDK, pointed at it with host/port/protocol, gets Stripe's wire protocol back
// (customers, Checkout Sessions in payment mode, refunds, events, signed webhooks).
// Test mode only; nothing leaves the machine.

/** The API version the pinned SDK (stripe@23.1.0) sends; a test keeps the two in step. */
export const STANDIN_API_VERSION = "2026-10-28.endive";

export interface StripeStandInOptions {
  /** The one accepted API key; must be a test key (sk_test_…). */
  secretKey: string;
  /** The webhook endpoint's URL; without it events are recorded but not sent. */
  webhookUrl?: string | null;
  /** The endpoint's signing secret (whsec_…). */
  webhookSecret: string;
  port?: number;
  host?: string;
  /** The URL browsers use to reach the stand-in, when not http://host:port. */
  publicUrl?: string;
  apiVersion?: string;
  /** Event types sent on their own (default every type, like an endpoint listening to "*"). */
  enabledEvents?: string[];
  redirectBeforeWebhook?: boolean;
  searchLagSeconds?: number;
}

export interface StripeStandIn {
  url: string;
  host: string;
  port: number;
  state: StripeState;
  config: StandInConfig;
  control: StandInControls;
  setWebhookUrl(url: string | null): void;
  /** Resolves once webhooks sent in the background (after API responses) have been answered. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

function checkOptions(options: StripeStandInOptions) {
  if (!/^sk_test_\w+$/.test(options.secretKey)) throw new Error("the Stripe stand-in takes a test secret key (sk_test_…) only");
  if (!/^whsec_\S+$/.test(options.webhookSecret)) throw new Error("the Stripe stand-in's webhookSecret must be a whsec_… signing secret");
  if (options.webhookUrl) new URL(options.webhookUrl);
}

export async function startStripeStandIn(options: StripeStandInOptions): Promise<StripeStandIn> {
  checkOptions(options);
  const host = options.host ?? "127.0.0.1";
  const config: StandInConfig = {
    secretKey: options.secretKey,
    webhookSecret: options.webhookSecret,
    webhookUrl: options.webhookUrl ?? null,
    apiVersion: options.apiVersion ?? STANDIN_API_VERSION,
    enabledEvents: options.enabledEvents ?? ["*"],
    redirectBeforeWebhook: options.redirectBeforeWebhook ?? false,
    searchLagSeconds: options.searchLagSeconds ?? 0,
  };
  const state = new StripeState();
  let publicUrl = "";
  const runtime: StandInRuntime = { config, state, publicUrl: () => publicUrl };
  const control = controls(runtime);
  const pending = new Set<Promise<unknown>>();
  const background = (work: Promise<unknown>) => {
    const tracked = work.catch((error: unknown) => console.error("stripe stand-in: background delivery failed", error)).finally(() => pending.delete(tracked));
    pending.add(tracked);
  };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://stand-in.invalid");
    const path = url.pathname;
    // Sessions past expires_at expire whenever anyone looks, as Stripe's sweeper would have by then.
    const expired = expireDue(runtime, NO_REQUEST);
    if (expired.length > 0) background(deliverSubscribed(runtime, expired));
    let m: RegExpExecArray | null;
    if (path.startsWith("/v1/")) return handleApi(runtime, req, res, url, background);
    if ((m = /^\/pay\/([A-Za-z0-9_]+)$/.exec(path))) return handleHostedPage(runtime, req, res, m[1]!, background);
    if (path.startsWith("/__stripe/") && (await handleControl(runtime, control, req, res, path))) return;
    send(res, 404, { error: { type: "invalid_request_error", message: `Unrecognized request URL (${req.method}: ${path}).` } });
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (res.headersSent) return res.destroy();
      if (error instanceof StripeApiError) return send(res, error.status, error.body());
      if (error instanceof HttpError) {
        const message = typeof error.body === "string" ? error.body : ((error.body as { errors?: string }).errors ?? JSON.stringify(error.body));
        return send(res, error.status, { error: { type: "invalid_request_error", message } });
      }
      send(res, 500, { error: { type: "api_error", message: `The Stripe stand-in failed: ${String(error)}` } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  publicUrl = (options.publicUrl ?? url).replace(/\/$/, "");
  return {
    url,
    host,
    port,
    state,
    config,
    control,
    setWebhookUrl(next) {
      if (next) new URL(next);
      config.webhookUrl = next;
    },
    async idle() {
      while (pending.size > 0) await Promise.all(pending);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
