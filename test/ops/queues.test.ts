import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { appEnv } from "~/env.server";
import { OPERATOR_COOKIE, OPERATOR_COOKIE_TTL_SECONDS, signOperatorCookie, verifyOperatorCookie } from "~/lib/operator-cookie.server";
import { operatorQueues } from "~/lib/operator-queues.server";
import { closeQueues } from "~/queues.server";
import { action, loader } from "~/routes/ops.queues.$";
import { useTestDb } from "../support/db";
import { args, outcome, shopWithStaff, staffRequest } from "./support";

const h = useTestDb(4);
afterAll(() => closeQueues());

const env = appEnv();
const operator = await shopWithStaff(h, { label: "agency", role: "operator" });

function plain(path: string, init: RequestInit & { cookie?: string } = {}): Request {
  const headers = new Headers(init.headers);
  if (init.cookie) headers.set("Cookie", `other=1; ${OPERATOR_COOKIE}=${init.cookie}`);
  return new Request(new URL(path, env.SHOPIFY_APP_URL), { ...init, headers });
}

const splat = (p: string) => ({ "*": p.replace(/^\/ops\/queues\/?/, "").replace(/\?.*$/, "") });
const get = async (p: string, cookie?: string) => (await outcome(loader(args(plain(p, { cookie }), splat(p))))) as Response;

/** The dashboard's page load, as it arrives with App Bridge's session token: it leaves the cookie. */
async function openDashboard(who = operator) {
  const response = (await outcome(loader(args(await staffRequest(who.shop.domain, who.userId, "/ops/queues/"), { "*": "" })))) as Response;
  const setCookie = response.headers.get("Set-Cookie") ?? "";
  const value = new RegExp(`^${OPERATOR_COOKIE}=([^;]+)`).exec(setCookie)?.[1];
  return { response, setCookie, value };
}

describe("the queue dashboard", () => {
  it("opens for an operator with the session token, and leaves a short-lived, scoped, signed cookie", async () => {
    const { response, setCookie, value } = await openDashboard();
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('<base href="/ops/queues/" />');
    expect(response.headers.get("Content-Security-Policy")).toBe(`frame-ancestors https://${operator.shop.domain} https://admin.shopify.com;`);
    expect(setCookie).toContain("Path=/ops/queues");
    expect(setCookie).toContain(`Max-Age=${OPERATOR_COOKIE_TTL_SECONDS}`);
    expect(setCookie).toContain("HttpOnly");
    // The test app URL is plain http: no SameSite=None without Secure.
    expect(setCookie).toContain(env.SHOPIFY_APP_URL.startsWith("https://") ? "SameSite=None; Secure; Partitioned" : "SameSite=Lax");
    expect(verifyOperatorCookie(env.SHOPIFY_API_SECRET, value!)).toMatchObject({ shopId: operator.shop.id, userId: operator.userId });
  });

  it("answers its API and static files from the cookie alone: the four queues", async () => {
    const { value } = await openDashboard();
    const api = await get("/ops/queues/api/queues?activeQueue=generate&status=latest&page=1&jobsPerPage=10", value);
    expect(api.status).toBe(200);
    const body = (await api.json()) as { queues: { name: string }[] };
    expect(body.queues.map((q) => q.name).sort()).toEqual(["generate", "import", "maintenance", "publish"]);
    expect(api.headers.get("Set-Cookie")).toBeNull();

    const uiStatic = path.join(path.dirname(createRequire(import.meta.url).resolve("@bull-board/ui/package.json")), "dist", "static", "js");
    const script = readdirSync(uiStatic).find((f) => /^main\..*\.js$/.test(f))!;
    const js = await get(`/ops/queues/static/js/${script}`, value);
    expect(js.status).toBe(200);
    expect(js.headers.get("Content-Type")).toMatch(/javascript/);
    expect((await js.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    expect((await get("/ops/queues/static/..%2F..%2Fpackage.json", value)).status).toBe(404);
  });

  it("reflects the queues it watches, on the app's Redis and prefix", async () => {
    const { value } = await openDashboard();
    await operatorQueues().get("import")!.add("import", { shopId: operator.shop.id, runId: "r1" }, { jobId: "r1", delay: 60_000 });
    const body = (await (await get("/ops/queues/api/queues?activeQueue=import&status=delayed&page=1&jobsPerPage=10", value)).json()) as {
      queues: { name: string; counts: Record<string, number> }[];
    };
    expect(body.queues.find((q) => q.name === "import")?.counts.delayed).toBe(1);
  });

  it("refuses a forged, tampered, expired or revoked cookie, and a request with none", async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { shopId: operator.shop.id, userId: operator.userId };
    const forged = signOperatorCookie("not-the-app-secret-at-all", { ...claims, expiresAt: now + 600 });
    const expired = signOperatorCookie(env.SHOPIFY_API_SECRET, { ...claims, expiresAt: now - 1 });
    const { value } = await openDashboard();
    const [payload, mac] = value!.split(".");
    const someoneElse = Buffer.from(JSON.stringify({ s: operator.shop.id, u: "1", e: now + 600 })).toString("base64url");
    const tampered = `${someoneElse}.${mac}`;
    for (const cookie of [forged, expired, tampered, `${payload}.`, "garbage", undefined]) {
      const response = await get("/ops/queues/api/queues", cookie);
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ error: expect.stringContaining("Operator session") });
    }

    // The role is checked on every request: removing it ends access at once.
    const leaving = await shopWithStaff(h, { label: "leaving", role: "operator" });
    const theirs = (await openDashboard(leaving)).value;
    expect((await get("/ops/queues/api/queues", theirs)).status).toBe(200);
    await h.prisma.userRole.deleteMany({ where: { shopId: leaving.shop.id } });
    expect((await get("/ops/queues/api/queues", theirs)).status).toBe(403);
  });

  it("takes changes only from the app's own origin, and logs who made them", async () => {
    const { value } = await openDashboard();
    const pause = (origin?: string) =>
      outcome(action(args(plain("/ops/queues/api/queues/publish/pause", { method: "PUT", cookie: value, headers: origin ? { Origin: origin } : {} }), splat("/ops/queues/api/queues/publish/pause")))) as Promise<Response>;
    expect((await pause("https://evil.example")).status).toBe(403);
    expect((await pause()).status).toBe(403);
    expect(await operatorQueues().get("publish")!.isPaused()).toBe(false);
    expect((await pause(new URL(env.SHOPIFY_APP_URL).origin)).status).toBe(200);
    expect(await operatorQueues().get("publish")!.isPaused()).toBe(true);
    await operatorQueues().get("publish")!.resume();
  });

  it("is a 404 for a merchant's staff with a valid session token", async () => {
    const merchant = await shopWithStaff(h, { label: "merchant" });
    const response = (await outcome(loader(args(await staffRequest(merchant.shop.domain, merchant.userId, "/ops/queues/api/queues"), { "*": "api/queues" })))) as Response;
    expect(response.status).toBe(404);
    expect(response.headers.get("Set-Cookie")).toBeNull();
  });

  it("cookies verify only while fresh and unmodified", () => {
    const secret = "a-secret-of-sixteen-or-more";
    const c = { shopId: crypto.randomUUID(), userId: "42", expiresAt: 2_000_000_000 };
    const value = signOperatorCookie(secret, c);
    expect(verifyOperatorCookie(secret, value, 1_999_999_999_000)).toEqual(c);
    expect(verifyOperatorCookie(secret, value, 2_000_000_000_000)).toBeNull();
    expect(verifyOperatorCookie(`${secret}x`, value, 0)).toBeNull();
    expect(verifyOperatorCookie(secret, `${value}.x`, 0)).toBeNull();
  });
});
