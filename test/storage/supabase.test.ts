import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStorage } from "~/services/storage/config.server";
import { BUCKET_LIMITS, BUCKETS, StorageError, StorageNotFoundError, outputPath, uploadPath, type Storage } from "~/services/storage/storage.server";
import { startStorageStandIn, type StorageStandIn } from "../../dev/supabase/storage-server";
import { storageContract } from "./contract";

const serviceKey = `service-${randomBytes(16).toString("hex")}`;
let standIn: StorageStandIn;
let storage: Storage;

beforeAll(async () => {
  standIn = await startStorageStandIn({
    serviceKey,
    buckets: BUCKETS.map((id) => ({ id, public: false, ...BUCKET_LIMITS[id] })),
  });
  storage = createStorage({ STORAGE_DRIVER: "supabase", SUPABASE_URL: standIn.url, SUPABASE_SERVICE_ROLE_KEY: serviceKey });
});

afterAll(() => standIn?.close());

storageContract("Supabase Storage (stand-in over HTTP)", () => storage);

const api = (path: string) => `${standIn.url}/storage/v1${path}`;
const auth = (key = serviceKey) => ({ apikey: key, Authorization: `Bearer ${key}` });

async function upload(bucket: string, key: string, body: Buffer, contentType: string, headers: Record<string, string> = auth()) {
  const response = await fetch(api(`/object/${bucket}/${key}`), {
    method: "POST",
    headers: { ...headers, "content-type": contentType, "x-upsert": "false" },
    body: new Uint8Array(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function claims(token: string): Record<string, number | string> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")) as Record<string, number | string>;
}

describe("Supabase adapter", () => {
  it("signs through Supabase for an hour by default, as an absolute URL", async () => {
    const key = uploadPath(randomUUID(), "a.png");
    await storage.put("uploads", key, Buffer.from("png"), { contentType: "image/png" });
    const url = new URL(await storage.signedUrl("uploads", key));
    expect(url.origin + url.pathname).toBe(`${standIn.url}/storage/v1/object/sign/uploads/${key}`);
    const token = claims(url.searchParams.get("token")!);
    expect(Number(token.exp) - Number(token.iat)).toBe(3600);
    expect(token.url).toBe(`uploads/${key}`);
  });

  it("stores the content type it was given", async () => {
    const key = outputPath(randomUUID(), randomUUID(), "clip");
    await storage.put("outputs", key, Buffer.from("webm"), { contentType: "video/webm" });
    expect(standIn.objects.get("outputs")!.get(key)!.contentType).toBe("video/webm");
  });

  it("pages through long folders when listing and deleting", async () => {
    const shop = randomUUID();
    const job = randomUUID();
    const store = standIn.objects.get("outputs")!;
    // Written straight into the stand-in: 2,500 uploads over HTTP would only slow the test.
    for (let i = 0; i < 2500; i++) {
      const stamp = new Date().toISOString();
      store.set(`${shop}/${job}/${String(i).padStart(4, "0")}.png`, {
        id: randomUUID(),
        body: Buffer.from([i % 256]),
        contentType: "image/png",
        cacheControl: "max-age=3600",
        createdAt: stamp,
        updatedAt: stamp,
        eTag: `"${i}"`,
      });
    }
    const listed = await storage.list("outputs", shop);
    expect(listed).toHaveLength(2500);
    expect(listed[2499]).toEqual({ bucket: "outputs", path: `${shop}/${job}/2499.png`, size: 1 });
    expect(await storage.deletePrefix("outputs", shop)).toBe(2500);
    expect(await storage.list("outputs", shop)).toEqual([]);
  });

  it("turns a wrong service key into a StorageError, not a missing object", async () => {
    const wrong = createStorage({ STORAGE_DRIVER: "supabase", SUPABASE_URL: standIn.url, SUPABASE_SERVICE_ROLE_KEY: "not-the-key" });
    const key = uploadPath(randomUUID(), "a.png");
    const error = await wrong.get("uploads", key).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect(error).not.toBeInstanceOf(StorageNotFoundError);
    expect(String((error as Error).message)).toMatch(/401/);
  });

  it("reports an unreachable Storage as a StorageError", async () => {
    const down = createStorage({ STORAGE_DRIVER: "supabase", SUPABASE_URL: "http://127.0.0.1:9", SUPABASE_SERVICE_ROLE_KEY: serviceKey });
    await expect(down.put("uploads", uploadPath(randomUUID(), "a.png"), Buffer.from("x"), { contentType: "image/png" })).rejects.toBeInstanceOf(
      StorageError,
    );
  });
});

describe("Storage stand-in", () => {
  it("requires the service key as apikey and as bearer token", async () => {
    const key = uploadPath(randomUUID(), "a.png");
    const png = Buffer.from("png");
    expect(await upload("uploads", key, png, "image/png", {})).toEqual({
      status: 401,
      body: { statusCode: "401", error: "Unauthorized", message: "Invalid API key" },
    });
    expect((await upload("uploads", key, png, "image/png", { apikey: "nope", Authorization: `Bearer ${serviceKey}` })).status).toBe(401);
    expect(await upload("uploads", key, png, "image/png", { apikey: serviceKey })).toMatchObject({
      status: 400,
      body: { statusCode: "403", error: "Unauthorized" },
    });
    expect(await upload("uploads", key, png, "image/png", { apikey: serviceKey, Authorization: "Bearer anon" })).toMatchObject({
      status: 400,
      body: { statusCode: "403", error: "Unauthorized", message: "invalid signature" },
    });
    for (const [method, path] of [
      ["GET", `/object/uploads/${key}`],
      ["POST", `/object/list/uploads`],
      ["POST", `/object/sign/uploads/${key}`],
      ["DELETE", `/object/uploads`],
    ] as const) {
      const response = await fetch(api(path), { method, headers: { apikey: serviceKey, Authorization: "Bearer x" } });
      expect([method, response.status]).toEqual([method, 400]);
      expect(await response.json()).toMatchObject({ statusCode: "403" });
    }
    expect(standIn.objects.get("uploads")!.has(key)).toBe(false);
    expect(await upload("uploads", key, png, "image/png")).toEqual({ status: 200, body: { Id: expect.any(String), Key: `uploads/${key}` } });
  });

  it("enforces each bucket's size and type limits like Storage does", async () => {
    const shop = randomUUID();
    expect(await upload("uploads", `${shop}/big.png`, Buffer.alloc(10 * 1024 * 1024 + 1), "image/png")).toEqual({
      status: 400,
      body: { statusCode: "413", code: "EntityTooLarge", error: "Payload too large", message: "The object exceeded the maximum allowed size" },
    });
    expect((await upload("uploads", `${shop}/max.png`, Buffer.alloc(10 * 1024 * 1024), "image/png")).status).toBe(200);
    expect(await upload("uploads", `${shop}/x.svg`, Buffer.from("<svg/>"), "image/svg+xml")).toEqual({
      status: 400,
      body: { statusCode: "415", code: "InvalidMimeType", error: "invalid_mime_type", message: "mime type image/svg+xml is not supported" },
    });
    expect((await upload("outputs", `${shop}/j/x.svg`, Buffer.from("<svg/>"), "image/svg+xml")).status).toBe(200);
    expect((await upload("outputs", `${shop}/j/v.webm`, Buffer.from("webm"), "video/webm")).status).toBe(200);
    expect((await upload("outputs", `${shop}/j/v.mov`, Buffer.from("mov"), "video/quicktime")).body).toMatchObject({ statusCode: "415" });
    expect((await upload("outputs", `${shop}/j/big.mp4`, Buffer.alloc(50 * 1024 * 1024 + 1), "video/mp4")).body).toMatchObject({
      statusCode: "413",
    });
    expect(await upload("private", `${shop}/a.png`, Buffer.from("x"), "image/png")).toMatchObject({
      status: 400,
      body: { statusCode: "404", error: "Bucket not found" },
    });
    expect(await upload("uploads", `${shop}/a.png`, Buffer.from("x"), "image/png")).toMatchObject({ status: 200 });
    expect(await upload("uploads", `${shop}/a.png`, Buffer.from("x"), "image/png")).toMatchObject({
      status: 400,
      body: { statusCode: "409", error: "Duplicate" },
    });
  });

  it("answers missing objects and bad tokens with Storage's error bodies", async () => {
    const key = uploadPath(randomUUID(), "a.png");
    const missing = await fetch(api(`/object/uploads/${key}`), { headers: auth() });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ statusCode: "404", error: "not_found", message: "Object not found" });
    const noToken = await fetch(api(`/object/sign/uploads/${key}`));
    expect(noToken.status).toBe(400);
    expect(await noToken.json()).toMatchObject({ statusCode: "400" });
    await upload("uploads", key, Buffer.from("png"), "image/png");
    const signed = await fetch(api(`/object/sign/uploads/${key}`), {
      method: "POST",
      headers: { ...auth(), "content-type": "application/json" },
      body: JSON.stringify({ expiresIn: 60 }),
    });
    const { signedURL } = (await signed.json()) as { signedURL: string };
    expect(signedURL).toMatch(new RegExp(`^/object/sign/uploads/${key}\\?token=`));
    const served = await fetch(`${standIn.url}/storage/v1${signedURL}`);
    expect([served.status, await served.text()]).toEqual([200, "png"]);
    const forged = await fetch(`${standIn.url}/storage/v1${signedURL}x`);
    expect(await forged.json()).toMatchObject({ statusCode: "400", error: "InvalidSignature" });
  });

  it("lists one folder level, with folders as entries without an id", async () => {
    const shop = randomUUID();
    await upload("outputs", `${shop}/job/1.png`, Buffer.from("1"), "image/png");
    await upload("outputs", `${shop}/top.png`, Buffer.from("22"), "image/png");
    const response = await fetch(api("/object/list/outputs"), {
      method: "POST",
      headers: { ...auth(), "content-type": "application/json" },
      body: JSON.stringify({ prefix: shop, limit: 100, offset: 0, sortBy: { column: "name", order: "asc" } }),
    });
    const entries = (await response.json()) as { name: string; id: string | null; metadata: { size: number } | null }[];
    expect(entries.map((e) => [e.name, e.id === null, e.metadata?.size ?? null])).toEqual([
      ["job", true, null],
      ["top.png", false, 2],
    ]);
  });
});
