import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, promises as fs } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loader } from "~/routes/storage.$bucket.$";
import { createStorage, deriveSigningSecret, parseStorageConfig } from "~/services/storage/config.server";
import { createLocalStorage, verifySignedRequest, type LocalStorage } from "~/services/storage/local.server";
import { StorageError, uploadPath } from "~/services/storage/storage.server";
import { storageContract } from "./contract";

// The route's loader behind a real HTTP server, so signed URLs are fetched exactly as
// a browser would fetch them from the app.
const STORAGE_ENV = ["STORAGE_DRIVER", "LOCAL_STORAGE_DIR", "STORAGE_SIGNING_SECRET", "SHOPIFY_APP_URL"] as const;
const saved = Object.fromEntries(STORAGE_ENV.map((k) => [k, process.env[k]]));
let server: Server;
let appUrl: string;
let tempRoot: string;
let root: string;
const secret = randomBytes(32).toString("hex");

function serveLoader(): Server {
  return createServer((req, res) => {
    const request = new Request(new URL(req.url ?? "/", appUrl), { method: req.method, headers: req.headers as Record<string, string> });
    loader({ request, params: {}, context: {} })
      .then((response) => {
        res.writeHead(response.status, Object.fromEntries(response.headers));
        if (!response.body) return res.end();
        Readable.fromWeb(response.body as unknown as NodeReadableStream<Uint8Array>).pipe(res);
      })
      .catch((error: unknown) => {
        res.writeHead(500);
        res.end(String(error));
      });
  });
}

beforeAll(async () => {
  tempRoot = await fs.mkdtemp(path.join(os.tmpdir(), "atelier-storage-"));
  root = path.join(tempRoot, "root");
  server = serveLoader();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  Object.assign(process.env, { STORAGE_DRIVER: "local", LOCAL_STORAGE_DIR: root, STORAGE_SIGNING_SECRET: secret, SHOPIFY_APP_URL: appUrl });
});

afterAll(async () => {
  for (const key of STORAGE_ENV) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await fs.rm(tempRoot, { recursive: true, force: true });
});

storageContract("local disk", () => createStorage(process.env));

describe("local storage", () => {
  const local = () => createLocalStorage({ root, appUrl, signingSecret: secret }) as LocalStorage;

  it("keeps objects at {root}/{bucket}/{path} and leaves no temporary files", async () => {
    const shop = randomUUID();
    const key = uploadPath(shop, "a.png");
    await local().put("uploads", key, Buffer.from("png"), { contentType: "image/png" });
    expect(await fs.readFile(path.join(root, "uploads", shop, "a.png"), "utf8")).toBe("png");
    await local().put("uploads", key, Buffer.from("png2"), { contentType: "image/png", upsert: true });
    expect(await fs.readdir(path.join(root, "uploads", shop))).toEqual(["a.png"]);
    // Empty folders go with their last object.
    await local().delete("uploads", [key]);
    expect(existsSync(path.join(root, "uploads", shop))).toBe(false);
  });

  it("never follows a symlink out of the root", async () => {
    const outside = path.join(tempRoot, "outside");
    await fs.mkdir(outside, { recursive: true });
    await fs.writeFile(path.join(outside, "secret.png"), "top secret");
    const shop = randomUUID();
    await fs.mkdir(path.join(root, "uploads"), { recursive: true });
    await fs.symlink(outside, path.join(root, "uploads", shop));
    await expect(local().get("uploads", uploadPath(shop, "secret.png"))).rejects.toBeInstanceOf(StorageError);
    await expect(local().signedUrl("uploads", uploadPath(shop, "secret.png"))).rejects.toBeInstanceOf(StorageError);
    await expect(local().put("uploads", uploadPath(shop, "planted.png"), Buffer.from("x"), { contentType: "image/png" })).rejects.toBeInstanceOf(
      StorageError,
    );
    await expect(local().delete("uploads", [uploadPath(shop, "secret.png")])).rejects.toBeInstanceOf(StorageError);
    await expect(local().list("uploads", shop)).rejects.toBeInstanceOf(StorageError);
    await expect(local().deletePrefix("uploads", shop)).rejects.toBeInstanceOf(StorageError);
    expect(await fs.readdir(outside)).toEqual(["secret.png"]);
    // A symlinked file is not an object either.
    const other = randomUUID();
    await fs.mkdir(path.join(root, "uploads", other));
    await fs.symlink(path.join(outside, "secret.png"), path.join(root, "uploads", other, "link.png"));
    await expect(local().get("uploads", uploadPath(other, "link.png"))).rejects.toBeInstanceOf(StorageError);
    expect(await local().list("uploads", other)).toEqual([]);
  });

  it("signs for an hour by default and serves with safe headers", async () => {
    const key = uploadPath(randomUUID(), "photo.webp");
    await local().put("uploads", key, Buffer.from("RIFFxxxxWEBP"), { contentType: "image/webp" });
    const url = new URL(await local().signedUrl("uploads", key));
    expect(url.origin + url.pathname).toBe(`${appUrl}/storage/uploads/${key}`);
    const expires = Number(url.searchParams.get("expires"));
    expect(Math.abs(expires - (Math.floor(Date.now() / 1000) + 3600))).toBeLessThanOrEqual(2);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/webp");
    expect(response.headers.get("content-length")).toBe("12");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("cache-control")).toMatch(/^private, max-age=(35\d\d|3600)$/);
    expect(await response.text()).toBe("RIFFxxxxWEBP");
  });

  it("answers 403 with a JSON error for bad signatures and 404 for deleted objects", async () => {
    const key = uploadPath(randomUUID(), "gone.png");
    await local().put("uploads", key, Buffer.from("png"), { contentType: "image/png" });
    const url = await local().signedUrl("uploads", key);
    const forged = await createLocalStorage({ root, appUrl, signingSecret: "another-secret-of-enough-length" }).signedUrl("uploads", key);
    const refused = await fetch(forged);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: "invalid signature" });
    const unsigned = await fetch(url.split("?")[0]!);
    expect(unsigned.status).toBe(403);
    expect(await unsigned.json()).toEqual({ error: "malformed signed URL" });
    await local().delete("uploads", [key]);
    const gone = await fetch(url);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toEqual({ error: "not found" });
  });

  it("is not served when the driver is Supabase", async () => {
    const key = uploadPath(randomUUID(), "a.png");
    await local().put("uploads", key, Buffer.from("png"), { contentType: "image/png" });
    const request = new Request(await local().signedUrl("uploads", key));
    const previous = { ...process.env };
    Object.assign(process.env, { STORAGE_DRIVER: "supabase", SUPABASE_URL: "http://127.0.0.1:1", SUPABASE_SERVICE_ROLE_KEY: "k" });
    try {
      expect((await loader({ request, params: {}, context: {} })).status).toBe(404);
    } finally {
      process.env.STORAGE_DRIVER = previous.STORAGE_DRIVER;
      delete process.env.SUPABASE_URL;
      delete process.env.SUPABASE_SERVICE_ROLE_KEY;
    }
    expect((await loader({ request, params: {}, context: {} })).status).toBe(200);
  });

  it("verifies signed requests: shape, signature, then expiry", () => {
    const key = uploadPath(randomUUID(), "v.png");
    const now = Date.UTC(2030, 0, 1);
    const expires = now / 1000 + 60;
    const signed = new URL(`${appUrl}/storage/uploads/${key}?expires=${expires}`);
    expect(verifySignedRequest(signed, secret, now)).toEqual({ ok: false, reason: "malformed" });
    expect(verifySignedRequest("not a url", secret, now)).toEqual({ ok: false, reason: "malformed" });
    expect(verifySignedRequest(`${appUrl}/storage/private/${key}?expires=1&sig=${"a".repeat(43)}`, secret)).toEqual({
      ok: false,
      reason: "malformed",
    });
    expect(verifySignedRequest(`${appUrl}/storage/uploads/../${key}?expires=1&sig=${"a".repeat(43)}`, secret)).toEqual({
      ok: false,
      reason: "malformed",
    });
    expect(verifySignedRequest(`${appUrl}/storage/uploads/${key}?expires=1&sig=${"a".repeat(43)}`, secret)).toEqual({
      ok: false,
      reason: "bad_signature",
    });
  });

  it("round-trips verification with a fixed clock", async () => {
    const key = uploadPath(randomUUID(), "clock.png");
    let now = Date.UTC(2030, 0, 1);
    const st = createLocalStorage({ root, appUrl, signingSecret: secret, now: () => now });
    await st.put("uploads", key, Buffer.from("png"), { contentType: "image/png" });
    const url = await st.signedUrl("uploads", key, 60);
    expect(verifySignedRequest(url, secret, now)).toEqual({ ok: true, bucket: "uploads", path: key, expiresAt: now / 1000 + 60 });
    expect(verifySignedRequest(url, `${secret}x`, now)).toEqual({ ok: false, reason: "bad_signature" });
    now += 60_000;
    expect(verifySignedRequest(url, secret, now)).toEqual({ ok: false, reason: "expired" });
    // Moving the expiry breaks the signature.
    const extended = new URL(url);
    extended.searchParams.set("expires", String(now / 1000 + 3600));
    expect(verifySignedRequest(extended, secret, now)).toEqual({ ok: false, reason: "bad_signature" });
    await expect(st.signedUrl("uploads", key, 0)).rejects.toBeInstanceOf(StorageError);
  });
});

describe("storage configuration", () => {
  it("defaults to local disk under the working directory, with a derived signing secret", () => {
    const config = parseStorageConfig({});
    expect(config).toMatchObject({ driver: "local", root: path.resolve(".data/storage"), appUrl: "http://127.0.0.1:3000" });
    const derived = parseStorageConfig({ SHOPIFY_API_SECRET: "s".repeat(32) });
    expect(derived).toMatchObject({ signingSecret: deriveSigningSecret("s".repeat(32)) });
    expect(derived.driver === "local" && derived.signingSecret).not.toBe("s".repeat(32));
    expect(parseStorageConfig({ STORAGE_SIGNING_SECRET: "k".repeat(40) })).toMatchObject({ signingSecret: "k".repeat(40) });
  });

  it("names what the Supabase driver and production need", () => {
    expect(() => parseStorageConfig({ STORAGE_DRIVER: "supabase" })).toThrow(/SUPABASE_URL[\s\S]*SUPABASE_SERVICE_ROLE_KEY/);
    expect(() => parseStorageConfig({ STORAGE_DRIVER: "s3" })).toThrow(/STORAGE_DRIVER/);
    expect(() => parseStorageConfig({ NODE_ENV: "production" })).toThrow(/STORAGE_SIGNING_SECRET: required in production/);
    expect(() => parseStorageConfig({ STORAGE_SIGNING_SECRET: "short" })).toThrow(/STORAGE_SIGNING_SECRET/);
    expect(
      parseStorageConfig({ STORAGE_DRIVER: "supabase", SUPABASE_URL: "https://abc.supabase.co", SUPABASE_SERVICE_ROLE_KEY: "key" }),
    ).toEqual({ driver: "supabase", url: "https://abc.supabase.co", serviceRoleKey: "key" });
    expect(createStorage({ STORAGE_DRIVER: "supabase", SUPABASE_URL: "https://abc.supabase.co", SUPABASE_SERVICE_ROLE_KEY: "key" }).driver).toBe(
      "supabase",
    );
  });
});
