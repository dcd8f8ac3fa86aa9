import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { outcomeOf, type Outcome } from "./harness";

// The local storage's signed URLs (/storage/{bucket}/{path}?expires=…&sig=…) are the
// only credential for a file: handed to browsers and to Shopify, they must open exactly
// the object they were made for, until they expire, and nothing else.

const storageRoot = mkdtempSync(path.join(tmpdir(), "atelier-security-signed-urls-"));
afterAll(() => rmSync(storageRoot, { recursive: true, force: true }));
process.env.LOCAL_STORAGE_DIR = storageRoot;

const { makeShop, useTestDb } = await import("../support/db");
const { finishedPhoto, outputImage } = await import("../support/outputs");
const { storage } = await import("~/storage.server");
const { loader } = await import("~/routes/storage.$bucket.$");
const { createLocalStorage } = await import("~/services/storage/local.server");
const { parseStorageConfig } = await import("~/services/storage/config.server");

const h = useTestDb(2);
const A = await makeShop(h, { label: "signed-a" });
const B = await makeShop(h, { label: "signed-b" });
const aPhoto = await finishedPhoto(h, storage(), { shopId: A.id, productId: "gid://shopify/Product/1", bytes: await outputImage("#aa0000") });
const aOther = await finishedPhoto(h, storage(), { shopId: A.id, productId: "gid://shopify/Product/2", bytes: await outputImage("#00aa00") });
const bPhoto = await finishedPhoto(h, storage(), { shopId: B.id, productId: "gid://shopify/Product/1", bytes: await outputImage("#0000aa") });
// The same key in the other bucket: a bucket swap must not open it.
await storage().put("uploads", aPhoto.output.path, await outputImage("#aaaa00"), { contentType: "image/jpeg" });

async function fetchSigned(url: string): Promise<Outcome & { bytes: Buffer }> {
  const response = await loader({ request: new Request(url), params: {}, context: {} });
  const bytes = Buffer.from(await response.clone().arrayBuffer());
  return { ...(await outcomeOf(response)), bytes };
}

/** Refused: a 4xx JSON error, and none of the files' bytes. */
async function expectRefused(url: string, reason?: string) {
  const o = await fetchSigned(url);
  expect(o.status, `${url}\n${o.text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(o.status).toBeLessThan(500);
  expect(o.contentType).toMatch(/^application\/json/);
  for (const file of [aPhoto.bytes, aOther.bytes, bPhoto.bytes]) expect(o.bytes.includes(file.subarray(0, 64))).toBe(false);
  expect(o.bytes.length).toBeLessThan(200);
  if (reason) expect(JSON.parse(o.body)).toEqual({ error: reason });
}

function parts(signed: string) {
  const url = new URL(signed);
  return { url, expires: url.searchParams.get("expires")!, sig: url.searchParams.get("sig")! };
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

describe("signed URLs", () => {
  it("open the object they were made for", async () => {
    const o = await fetchSigned(await storage().signedUrl("outputs", aPhoto.output.path, 3600));
    expect(o.status).toBe(200);
    expect(o.contentType).toBe("image/jpeg");
    expect(o.bytes.equals(aPhoto.bytes)).toBe(true);
  });

  it("refuse another object under the same signature: another shop's, the same shop's, the other bucket", async () => {
    const signed = await storage().signedUrl("outputs", aPhoto.output.path, 3600);
    const { url } = parts(signed);
    const swap = (pathname: string) => {
      const next = new URL(url);
      next.pathname = pathname;
      return next.toString();
    };
    await expectRefused(swap(`/storage/outputs/${bPhoto.output.path}`), "invalid signature");
    await expectRefused(swap(`/storage/outputs/${aOther.output.path}`), "invalid signature");
    await expectRefused(swap(`/storage/uploads/${aPhoto.output.path}`), "invalid signature");
    // Only the shop's folder swapped: the rest of the key kept.
    await expectRefused(swap(`/storage/outputs/${aPhoto.output.path.replace(A.id, B.id)}`), "invalid signature");
    // Ways out of the signed path: dot segments (plain and encoded) and an encoded slash.
    for (const pathname of [
      `/storage/outputs/${aPhoto.output.path}/../../${bPhoto.output.path}`,
      `/storage/outputs/${aPhoto.output.path}/%2e%2e/%2e%2e/%2e%2e/${bPhoto.output.path}`,
      `/storage/outputs/${aPhoto.output.path.split("/")[0]}/..%2F..%2F${bPhoto.output.path}`,
    ]) {
      await expectRefused(swap(pathname));
    }
    // B's own signature does not open A's object either.
    const theirs = parts(await storage().signedUrl("outputs", bPhoto.output.path, 3600));
    const mixed = new URL(url);
    mixed.searchParams.set("expires", theirs.expires);
    mixed.searchParams.set("sig", theirs.sig);
    await expectRefused(mixed.toString(), "invalid signature");
  });

  it("refuse a signature with any character changed, missing or signed with another secret", async () => {
    const signed = await storage().signedUrl("outputs", aPhoto.output.path, 3600);
    const { url, sig } = parts(signed);
    expect(sig).toHaveLength(43);
    for (let i = 0; i < sig.length; i++) {
      // Flip the character's top bit: every position, a different decoded signature.
      const changed = ALPHABET[ALPHABET.indexOf(sig[i]!) ^ 32]!;
      const tampered = new URL(url);
      tampered.searchParams.set("sig", `${sig.slice(0, i)}${changed}${sig.slice(i + 1)}`);
      await expectRefused(tampered.toString(), "invalid signature");
    }
    const without = new URL(url);
    without.searchParams.delete("sig");
    await expectRefused(without.toString(), "malformed signed URL");
    const config = parseStorageConfig(process.env);
    if (config.driver !== "local") throw new Error("the local storage driver is expected here");
    const elsewhere = createLocalStorage({ ...config, signingSecret: randomBytes(32).toString("hex") });
    await expectRefused(await elsewhere.signedUrl("outputs", aPhoto.output.path, 3600), "invalid signature");
  });

  it("refuse a URL past its expiry, and an expiry moved later", async () => {
    const signed = await storage().signedUrl("outputs", aPhoto.output.path, 1);
    const { url, expires } = parts(signed);
    const extended = new URL(url);
    extended.searchParams.set("expires", String(Number(expires) + 3600));
    await expectRefused(extended.toString(), "invalid signature");
    // Signed for one second: wait until that second has passed.
    const wait = Number(expires) * 1000 - Date.now() + 50;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await expectRefused(signed, "signed URL expired");

    // One made an hour ago for a minute (the adapter's clock moved back).
    const config = parseStorageConfig(process.env);
    if (config.driver !== "local") throw new Error("the local storage driver is expected here");
    const past = createLocalStorage({ ...config, now: () => Date.now() - 3_600_000 });
    await expectRefused(await past.signedUrl("outputs", aPhoto.output.path, 60), "signed URL expired");
  });
});
