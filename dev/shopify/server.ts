import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { readyMediaByFilename } from "./filenames";
import { runGraphQL } from "./graphql/endpoint";
import { mutationRoot } from "./graphql/mutation-root";
import { queryRoot } from "./graphql/query-root";
import { loadAdminSchema } from "./graphql/schema";
import { adminFrame, chargePage, pickerCollections, pickerProducts, serveScript, sessionToken } from "./http/admin";
import { installationToken, tokenExchange } from "./http/oauth";
import { uninstallApp, uninstalledPage } from "./http/uninstall";
import { HttpError, readBody, readJson, send } from "./http/util";
import { bulkFinishPayload, mediaBytes, startBulkOperation, startMediaProcessing } from "./jobs";
import { parseCdnPath, type SimConfig, type SimContext, type SimRuntime, type StagedUpload } from "./runtime";
import { SimState } from "./state";
import { deliverWebhook } from "./webhooks";
import { webhookPathsFromToml } from "./webhook-paths";

export interface SimulatorOptions extends Partial<Omit<SimConfig, "webhookPaths">> {
  port?: number;
  host?: string;
  appUrl: string;
  apiKey: string;
  apiSecret: string;
}

export interface Simulator {
  url: string;
  runtime: SimRuntime;
  close(): Promise<void>;
}

const root = path.resolve(import.meta.dirname, "../..");

export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const config: SimConfig = {
    apiKey: options.apiKey,
    apiSecret: options.apiSecret,
    appUrl: options.appUrl,
    appHandle: options.appHandle ?? "atelier",
    defaultShop: options.defaultShop ?? "atelier-dev.myshopify.com",
    products: options.products ?? 60,
    seed: options.seed ?? 1,
    bucketSize: options.bucketSize ?? 2000,
    restoreRate: options.restoreRate ?? 100,
    maxQueryCost: options.maxQueryCost ?? 1000,
    mediaProcessingMs: options.mediaProcessingMs ?? 400,
    bulkOperationMs: options.bulkOperationMs ?? 20,
    scopes: options.scopes ?? ["read_products", "write_products", "write_files"],
    webhookPaths: webhookPathsFromToml(path.join(root, "shopify.app.toml")),
    apiVersion: options.apiVersion ?? "2026-01",
  };
  const state = new SimState({ products: config.products, seed: config.seed, bucketSize: config.bucketSize, scopes: config.scopes });
  let publicUrl = "";
  const runtime: SimRuntime = {
    config,
    state,
    publicUrl: () => publicUrl,
    stagedUploads: new Map<string, StagedUpload>(),
    accessTokens: new Map<string, string>(),
    startMediaProcessing: (shop, media) => startMediaProcessing(runtime, shop, media),
    startBulkOperation: (shop, id) =>
      startBulkOperation(runtime, shop, id, (s, opId) => {
        void runtime.deliverWebhook(s.domain, "bulk_operations/finish", bulkFinishPayload(s, opId)).catch(() => undefined);
      }),
    deliverWebhook: (shop, topic, payload, eventId) => deliverWebhook(config, shop, topic, payload, eventId),
  };
  const schema = loadAdminSchema();

  async function graphql(req: IncomingMessage, res: ServerResponse, version: string) {
    if (version !== config.apiVersion) throw new HttpError(404, { errors: "Not Found" });
    const token = req.headers["x-shopify-access-token"];
    const routed = req.headers["x-simulated-shop"];
    let shopDomain = typeof token === "string" ? runtime.accessTokens.get(token) : undefined;
    if (!shopDomain && typeof routed === "string" && token === installationToken(runtime, routed)) {
      shopDomain = routed;
      runtime.accessTokens.set(token, routed);
    }
    if (!shopDomain) {
      throw new HttpError(401, { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" });
    }
    if (routed && routed !== shopDomain) throw new HttpError(401, { errors: "[API] Access token is for another shop" });
    const raw = (await readBody(req, 2 * 1024 * 1024)).toString("utf8");
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      throw new HttpError(400, { errors: "Invalid JSON in request body" });
    }
    if (!body || typeof body !== "object" || Array.isArray(body)) throw new HttpError(400, { errors: "Invalid request body" });
    const shop = state.shop(shopDomain);
    const ctx: SimContext = { shop, sim: runtime, bulk: false };
    // The root follows the operation's type as parsed, whatever comments or fragments precede it.
    const rootFor = (operation: string) => (operation === "mutation" ? mutationRoot(ctx) : queryRoot(ctx));
    const result = await runGraphQL(schema, body, shop, rootFor, ctx, config);
    send(res, result.status, result.body);
  }

  async function staged(req: IncomingMessage, res: ServerResponse, token: string) {
    const upload = runtime.stagedUploads.get(token);
    if (!upload) throw new HttpError(404, "NoSuchUpload");
    if (req.method !== upload.httpMethod) throw new HttpError(405, `This target expects ${upload.httpMethod}`);
    const body = await readBody(req, 20 * 1024 * 1024);
    if (upload.httpMethod === "PUT") {
      upload.bytes = body;
      send(res, 200, "");
      return;
    }
    const request = new Request("http://staged.invalid/", {
      method: "POST",
      headers: { "content-type": String(req.headers["content-type"] ?? "") },
      body: new Uint8Array(body),
    });
    let form: FormData;
    try {
      form = await request.formData();
    } catch {
      throw new HttpError(400, "<Error><Code>MalformedPOSTRequest</Code></Error>");
    }
    const file = form.get("file");
    if (!(file instanceof Blob)) throw new HttpError(400, "<Error><Code>InvalidArgument</Code><Message>file is required</Message></Error>");
    const key = form.get("key");
    if (typeof key !== "string" || !key.includes(token)) throw new HttpError(403, "<Error><Code>AccessDenied</Code></Error>");
    upload.bytes = Buffer.from(await file.arrayBuffer());
    res.writeHead(201, { "Content-Type": "application/xml" });
    res.end(`<?xml version="1.0" encoding="UTF-8"?><PostResponse><Key>${key}</Key></PostResponse>`);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", publicUrl);
    const p = url.pathname;
    let m: RegExpExecArray | null;
    if (req.method === "POST" && (m = /^\/admin\/api\/([^/]+)\/graphql\.json$/.exec(p))) return graphql(req, res, m[1]!);
    if (req.method === "POST" && p === "/admin/oauth/access_token") return tokenExchange(runtime, req, res);
    const file = req.method === "GET" ? parseCdnPath(p) : null;
    if (file) {
      const media = readyMediaByFilename(state.shop(file.shop), file.filename);
      if (!media) throw new HttpError(404, "Not Found");
      const bytes = await mediaBytes(media);
      res.writeHead(200, { "Content-Type": media.mimeType, "Content-Length": bytes.length, "Cache-Control": "public, max-age=31536000" });
      res.end(bytes);
      return;
    }
    if ((m = /^\/staged-uploads\/([0-9a-f-]{36})$/.exec(p))) return staged(req, res, m[1]!);
    if (req.method === "GET" && (m = /^\/bulk\/([^/]+)\/(\d+)\.jsonl$/.exec(p))) {
      const op = state.shop(m[1]!).bulkOperations.get(Number(m[2]));
      if (!op || op.jsonl === null) throw new HttpError(404, "Not Found");
      res.writeHead(200, { "Content-Type": "application/jsonl" });
      res.end(op.jsonl);
      return;
    }
    if (req.method === "POST" && (m = /^\/admin\/apps\/([^/]+)\/uninstall$/.exec(p)) && m[1] === config.appHandle) {
      const shop = url.searchParams.get("shop") ?? "";
      if (!/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/.test(shop)) throw new HttpError(400, "invalid shop");
      await uninstallApp(runtime, shop);
      res.writeHead(303, { Location: `/admin/apps?shop=${encodeURIComponent(shop)}` });
      res.end();
      return;
    }
    if (req.method === "GET" && p === "/admin/apps") return uninstalledPage(runtime, res, url.searchParams.get("shop") ?? config.defaultShop);
    if (req.method === "GET" && (m = /^\/admin\/apps\/([^/]+)$/.exec(p)) && m[1] === config.appHandle) return adminFrame(runtime, url, res);
    // Shopify admin's own URL shape for an embedded app's page, as billing return URLs
    // and Stripe's success URLs name it: /store/<store>/apps/<handle>/<path>.
    if (req.method === "GET" && (m = /^\/store\/([a-z0-9][a-z0-9-]*)\/apps\/([^/]+)(\/.*)?$/.exec(p)) && m[2] === config.appHandle) {
      const frame = new URL(`/admin/apps/${config.appHandle}`, publicUrl);
      frame.searchParams.set("shop", `${m[1]}.myshopify.com`);
      frame.searchParams.set("path", `${m[3] ?? "/app"}${url.search}`);
      return adminFrame(runtime, frame, res);
    }
    if (req.method === "GET" && p === "/app-bridge.js") return serveScript(res, "app-bridge.js");
    if (req.method === "GET" && p === "/admin.js") return serveScript(res, "admin.js");
    if ((m = /^\/admin\/charges\/([^/]+)\/(\d+)\/confirm$/.exec(p))) return chargePage(runtime, req, url, res, m[1]!, Number(m[2]));
    if (req.method === "POST" && p === "/__sim/session-token") return sessionToken(runtime, url, res);
    if (req.method === "GET" && p === "/__sim/picker/products") return pickerProducts(runtime, url, res);
    if (req.method === "GET" && p === "/__sim/picker/collections") return pickerCollections(runtime, url, res);
    if (req.method === "POST" && p === "/__sim/access-tokens") {
      const body = (await readJson(req)) as { shop?: string };
      if (!body?.shop || !/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/.test(body.shop)) throw new HttpError(400, { error: "shop required" });
      const token = `shpat_sim_${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`;
      runtime.accessTokens.set(token, body.shop);
      send(res, 200, { accessToken: token });
      return;
    }
    if (req.method === "POST" && p === "/__sim/webhooks") {
      const body = (await readJson(req)) as { topic?: string; shop?: string; payload?: unknown; eventId?: string };
      if (!body?.topic || !body.shop) throw new HttpError(400, { error: "topic and shop required" });
      if (!/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/.test(body.shop)) throw new HttpError(400, { error: "shop must be a myshopify.com domain" });
      if (!config.webhookPaths[body.topic]) throw new HttpError(400, { error: `no subscription for ${body.topic}` });
      if (body.eventId !== undefined && (typeof body.eventId !== "string" || body.eventId === "")) throw new HttpError(400, { error: "eventId must be a non-empty string" });
      let delivered: { status: number };
      try {
        delivered = await runtime.deliverWebhook(body.shop, body.topic, body.payload ?? {}, body.eventId);
      } catch (error) {
        // The app did not answer at all: what Shopify would record as a failed delivery.
        throw new HttpError(502, { error: `delivery to ${config.appUrl} failed: ${String((error as Error).cause ?? error)}` });
      }
      send(res, 200, delivered);
      return;
    }
    if (p === "/__sim/health") return send(res, 200, { ok: true });
    throw new HttpError(404, "Not Found");
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (res.headersSent) return res.destroy();
      if (error instanceof HttpError) return send(res, error.status, error.body);
      send(res, 500, { errors: "Internal error in the simulated shop", detail: String(error) });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
  const address = server.address() as AddressInfo;
  publicUrl = `http://${options.host ?? "127.0.0.1"}:${address.port}`;
  return {
    url: publicUrl,
    runtime,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
