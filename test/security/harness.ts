import { readdirSync } from "node:fs";
import path from "node:path";
import type { PrismaClient } from "@prisma/client";
import { base64url, SignJWT } from "jose";
import { afterAll } from "vitest";
import { startStripeStandIn, type StripeStandIn } from "../../dev/stripe/server";
import { freePort } from "../support/app-server";

// Shared by the security tests: calling route modules the way Remix does, minting
// session tokens with any claims, snapshotting one shop's rows, finding leaks.

export const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
export const ROUTES_DIR = path.join(REPO_ROOT, "app/routes");

const ROUTE_EXTENSIONS = /\.(tsx|ts|jsx|js)$/;

/**
 * Every route module Remix builds from app/routes (flat routes: `name.tsx`, or a folder
 * `name/route.tsx`), by route id, with its file. Mirrors vite.config.ts's
 * ignoredRouteFiles (dot files, *.test.*).
 */
export function routeFilesOnDisk(): Map<string, string> {
  const routes = new Map<string, string>();
  for (const entry of readdirSync(ROUTES_DIR, { withFileTypes: true })) {
    if (entry.name.startsWith(".") || entry.name.includes(".test.")) continue;
    if (entry.isDirectory()) {
      const index = readdirSync(path.join(ROUTES_DIR, entry.name)).find((f) => /^route\.(tsx|ts|jsx|js)$/.test(f));
      if (index) routes.set(entry.name, path.join(ROUTES_DIR, entry.name, index));
    } else if (ROUTE_EXTENSIONS.test(entry.name)) {
      routes.set(entry.name.replace(ROUTE_EXTENSIONS, ""), path.join(ROUTES_DIR, entry.name));
    }
  }
  return routes;
}

export interface RouteArgs {
  request: Request;
  params: Record<string, string | undefined>;
  context: Record<string, unknown>;
}
export type RouteFn = (args: RouteArgs) => unknown;
export interface RouteModule {
  loader?: RouteFn;
  action?: RouteFn;
}

/** Every route module, loaded through the same module graph the tests call. */
export async function loadRouteModules(): Promise<Map<string, RouteModule>> {
  const modules = new Map<string, RouteModule>();
  for (const [id, file] of routeFilesOnDisk()) modules.set(id, (await import(/* @vite-ignore */ file)) as RouteModule);
  return modules;
}

/** What a route answered: thrown and returned Responses alike, and plain data as JSON. */
export interface Outcome {
  status: number;
  location: string | null;
  contentType: string;
  body: string;
  /** Everything a client could read: status line, headers and body. */
  text: string;
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null, jsonReplacer);
}

/** Reads a body, but gives up on a stream that stays open (server-sent events). */
async function readBody(response: Response, ms = 1_000): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + ms;
  try {
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      let timer: NodeJS.Timeout | undefined;
      const next = await Promise.race([
        reader.read(),
        new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), left))),
      ]);
      clearTimeout(timer);
      if (next === "timeout" || next.done) break;
      text += decoder.decode(next.value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return text;
}

export async function outcomeOf(response: Response): Promise<Outcome> {
  const body = await readBody(response);
  const headers = [...response.headers].map(([k, v]) => `${k}: ${v}`).join("\n");
  return {
    status: response.status,
    location: response.headers.get("location"),
    contentType: response.headers.get("content-type") ?? "",
    body,
    text: `${response.status}\n${headers}\n\n${body}`,
  };
}

/**
 * Calls a loader or action like Remix: a thrown Response is the answer, returned data
 * is what the page would receive. Any other error is what a client sees as a 500.
 */
export async function invoke(fn: RouteFn, args: RouteArgs): Promise<Outcome> {
  let value: unknown;
  try {
    value = await fn(args);
  } catch (error) {
    if (!(error instanceof Response)) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return { status: 500, location: null, contentType: "text/plain", body: message, text: `500\n\n${message}` };
    }
    value = error;
  }
  if (value instanceof Response) return outcomeOf(value);
  const body = toJson(value);
  return { status: 200, location: null, contentType: "application/json", body, text: `200\n\n${body}` };
}

/** Which of `markers` (another shop's ids, paths, names) appear in `text`. */
export function leaks(text: string, markers: Iterable<string>): string[] {
  return [...new Set(markers)].filter((m) => m.length >= 4 && text.includes(m));
}

// ---------------------------------------------------------------- session tokens

export interface TokenClaims {
  shop: string;
  apiKey: string;
  secret: string;
  /** Defaults to https://{shop}; set to name another shop than `shop`. */
  dest?: string;
  iss?: string;
  aud?: string;
  sub?: string;
  /** Seconds since the epoch. */
  iat?: number;
  nbf?: number;
  exp?: number;
}

/** An App Bridge session token (HS256) with any claims, as Shopify or a forger would sign it. */
export async function signSessionToken(c: TokenClaims): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: c.iss ?? `https://${c.shop}/admin`,
    dest: c.dest ?? `https://${c.shop}`,
    aud: c.aud ?? c.apiKey,
    sub: c.sub ?? "1",
    sid: crypto.randomUUID(),
  })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt(c.iat ?? now)
    .setNotBefore(c.nbf ?? now)
    .setExpirationTime(c.exp ?? now + 60)
    .setJti(crypto.randomUUID())
    .sign(new TextEncoder().encode(c.secret));
}

function decodePart(part: string): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(base64url.decode(part))) as Record<string, unknown>;
}

function encodePart(value: Record<string, unknown>): string {
  return base64url.encode(new TextEncoder().encode(JSON.stringify(value)));
}

/** The token with its payload changed and the original signature kept. */
export function tamperPayload(token: string, patch: Record<string, unknown>): string {
  const [header, payload, signature] = token.split(".") as [string, string, string];
  return [header, encodePart({ ...decodePart(payload), ...patch }), signature].join(".");
}

/** The token's claims re-issued unsigned (`alg: none`). */
export function unsignedCopy(token: string): string {
  const payload = token.split(".")[1]!;
  return [encodePart({ alg: "none", typ: "JWT" }), payload, ""].join(".");
}

export type AuthAnswer = "401" | "login" | "bounce" | "admin" | "other";

/**
 * How shopify-app-remix turned a request away: 401 (fetch with a bad bearer token),
 * a redirect to the login page (no shop to authenticate), to the bounce page that
 * fetches a fresh session token, or to the app inside Shopify admin.
 */
export function authAnswer(o: Outcome, p: { appUrl: string; adminOrigins: string[] }): AuthAnswer {
  if (o.status === 401) return "401";
  if (o.status < 300 || o.status >= 400 || !o.location) return "other";
  const target = new URL(o.location, p.appUrl);
  if (target.origin === new URL(p.appUrl).origin) {
    if (target.pathname === "/auth/login") return "login";
    if (target.pathname === "/auth/session-token") return "bounce";
    return "other";
  }
  return p.adminOrigins.includes(target.origin) ? "admin" : "other";
}

// ---------------------------------------------------------------- database

/**
 * Everything of one shop a request could change: job and review states, alt text,
 * shoots, publications, the ledger and balance, purchases, assets, settings, looks,
 * import runs and the stored Shopify sessions.
 */
export async function shopSnapshot(db: PrismaClient, shopId: string): Promise<unknown> {
  const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
  const [jobs, batches, assets, publications, ledger, balance, purchases, debts, looks, runs, customer, events, sessions] = await Promise.all([
    db.generationJob.findMany({
      where: { shopId },
      orderBy: { id: "asc" },
      select: { id: true, batchId: true, status: true, reviewState: true, altText: true, regeneratedAs: true, needsReview: true, costCredits: true, completedAt: true },
    }),
    db.generationBatch.findMany({ where: { shopId }, orderBy: { id: "asc" }, select: { id: true, jobCount: true, costCredits: true, cancelledAt: true, clientKey: true } }),
    db.asset.findMany({ where: { shopId }, orderBy: { id: "asc" }, select: { id: true, kind: true, bucket: true, path: true, status: true, productId: true, jobId: true, version: true } }),
    db.publication.findMany({
      where: { shopId },
      orderBy: { id: "asc" },
      select: { id: true, status: true, position: true, attachVariants: true, mediaId: true, unpublishRequestedAt: true, alt: true },
    }),
    db.creditLedgerEntry.findMany({ where: { shopId }, orderBy: { seq: "asc" }, select: { id: true, txType: true, amount: true, balanceAfter: true, idempotencyKey: true } }),
    db.creditBalance.findUnique({ where: { shopId } }),
    db.appPurchase.findMany({ where: { shopId }, orderBy: { id: "asc" }, select: { id: true, status: true, creditedAt: true, reversedCredits: true, stripePaymentIntentId: true } }),
    db.creditDebt.findMany({ where: { shopId }, orderBy: { id: "asc" } }),
    db.look.findMany({ where: { shopId }, orderBy: { id: "asc" }, select: { id: true, name: true, options: true } }),
    db.importRun.findMany({ where: { shopId }, orderBy: { id: "asc" }, select: { id: true, status: true, productIds: true } }),
    db.stripeCustomer.findUnique({ where: { shopId } }),
    db.jobEvent.count({ where: { shopId } }),
    db.session.findMany({ where: { shop: shop.domain }, orderBy: { id: "asc" }, select: { id: true, accessToken: true, isOnline: true } }),
  ]);
  return JSON.parse(
    toJson({
      shop: { domain: shop.domain, name: shop.name, settings: shop.settings, uninstalledAt: shop.uninstalledAt },
      jobs,
      batches,
      assets,
      publications,
      ledger,
      balance: balance?.balance ?? null,
      purchases,
      debts,
      looks,
      runs,
      customer,
      events,
      sessions,
    }),
  );
}

// ---------------------------------------------------------------- Stripe

/**
 * The Stripe stand-in without webhook delivery, named in STRIPE_API_URL. Call before
 * anything reads the app's env (it is read once).
 */
export async function useStripeStandIn(): Promise<StripeStandIn> {
  const port = await freePort();
  process.env.STRIPE_API_URL = `http://127.0.0.1:${port}`;
  const stand = await startStripeStandIn({ secretKey: "sk_test_atelier_dev", webhookSecret: "whsec_atelier_dev", webhookUrl: null, port });
  afterAll(() => stand.close());
  return stand;
}

// ---------------------------------------------------------------- secret scanning

export interface SecretHit {
  secret: string;
  where: string;
  /** The text around the hit, with the secret itself masked. */
  context: string;
}

/**
 * Where any of `secrets` (name → value) appears in `corpora` (name → text): as is,
 * and base64- or base64url-encoded (a logged Basic header, say).
 */
export function findSecrets(secrets: Record<string, string>, corpora: Iterable<[string, string]>): SecretHit[] {
  const forms = Object.entries(secrets).flatMap(([name, value]) => {
    const base64 = Buffer.from(value).toString("base64").replace(/=+$/, "");
    const base64url = Buffer.from(value).toString("base64url");
    return [[name, value], [`${name} (base64)`, base64], ...(base64url === base64 ? [] : [[`${name} (base64url)`, base64url]])];
  });
  const hits: SecretHit[] = [];
  for (const [where, text] of corpora) {
    for (const [name, value] of forms) {
      let at = text.indexOf(value!);
      while (at !== -1 && hits.length < 50) {
        hits.push({ secret: name!, where, context: text.slice(Math.max(0, at - 120), at + value!.length + 120).split(value!).join(`<${name}>`) });
        at = text.indexOf(value!, at + 1);
      }
    }
  }
  return hits;
}

/** Every file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}
