import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { Session } from "@shopify/shopify-app-remix/server";
import { describe, expect, it } from "vitest";
import { parseAppEnv } from "~/env.server";
import { EncryptedSessionStorage } from "~/lib/encrypted-session-storage.server";
import { offlineAccessToken } from "~/services/shopify/offline-session.server";
import { reencryptSessions } from "~/services/shopify/reencrypt-sessions.server";
import { decryptToken, encryptToken, sessionEncryptionKeys, tokenKeys, TokenKeyMissingError } from "~/services/shopify/token-crypto.server";
import { uniqueShopDomain, useTestDb } from "../support/db";

const h = useTestDb(2);
const key = (byte: number) => Buffer.alloc(32, byte).toString("base64");
const k1 = sessionEncryptionKeys.parse(`k1:${key(1)}`);
const k2k1 = sessionEncryptionKeys.parse(`k2:${key(2)},k1:${key(1)}`);

describe("access tokens at rest", () => {
  it("encrypts with the first key, decrypts with any, and refuses a tampered value or an unknown key", () => {
    const token = "shpat_0123456789abcdef";
    const a = encryptToken(k1, token);
    const b = encryptToken(k1, token);
    expect(a).not.toBe(b);
    expect(a).not.toContain(token);
    expect(a.startsWith("enc:v1:k1:")).toBe(true);
    expect(decryptToken(k1, a)).toBe(token);
    // Rotation: the new key encrypts, the old one still reads.
    expect(decryptToken(k2k1, a)).toBe(token);
    expect(encryptToken(k2k1, token).startsWith("enc:v1:k2:")).toBe(true);
    const flipped = a.slice(0, -3) + (a.at(-3) === "A" ? "B" : "A") + a.slice(-2);
    expect(() => decryptToken(k1, flipped)).toThrow();
    // A value moved to another key id fails authentication.
    expect(() => decryptToken(k2k1, a.replace("enc:v1:k1:", "enc:v1:k2:"))).toThrow();
    expect(() => decryptToken(sessionEncryptionKeys.parse(`k9:${key(9)}`), a)).toThrow(TokenKeyMissingError);
    // Stored before encryption was turned on: read as it is.
    expect(decryptToken(k1, token)).toBe(token);
  });

  it("validates the key list, and production refuses the development key", () => {
    for (const bad of ["", "k1", `k1:${Buffer.alloc(16).toString("base64")}`, `k1:${key(1)},k1:${key(2)}`, "k 1:abc"]) {
      expect(sessionEncryptionKeys.safeParse(bad).success, bad).toBe(false);
    }
    expect(() => parseAppEnv({ SESSION_ENCRYPTION_KEYS: "k1:short" })).toThrow(/SESSION_ENCRYPTION_KEYS/);
    expect(() => parseAppEnv({ NODE_ENV: "production" })).toThrow(/SESSION_ENCRYPTION_KEYS: required in production/);
  });

  it("Shopify's session storage writes ciphertext to the database and reads the token back", async () => {
    const shop = uniqueShopDomain("enc");
    const storage = new EncryptedSessionStorage(new PrismaSessionStorage(h.prisma), () => k2k1);
    const session = new Session({ id: `offline_${shop}`, shop, state: "", isOnline: false, accessToken: "shpat_secret_value_1234", scope: "read_products" });
    expect(await storage.storeSession(session)).toBe(true);
    const row = await h.prisma.session.findUniqueOrThrow({ where: { id: `offline_${shop}` } });
    expect(row.accessToken.startsWith("enc:v1:k2:")).toBe(true);
    expect(row.accessToken).not.toContain("shpat_secret_value_1234");
    expect((await storage.loadSession(`offline_${shop}`))?.accessToken).toBe("shpat_secret_value_1234");
    expect((await storage.findSessionsByShop(shop)).map((s) => s.accessToken)).toEqual(["shpat_secret_value_1234"]);
    // The session object the library holds is not changed by storing it.
    expect(session.accessToken).toBe("shpat_secret_value_1234");
  });

  it("the worker's offline token is decrypted, and re-encryption moves every token to the current key", async () => {
    const shop = uniqueShopDomain("rekey");
    const legacy = uniqueShopDomain("legacy");
    await h.prisma.session.create({ data: { id: `offline_${shop}`, shop, state: "", isOnline: false, accessToken: encryptToken(tokenKeys(), "shpat_worker_token") } });
    await h.prisma.session.create({ data: { id: `offline_${legacy}`, shop: legacy, state: "", isOnline: false, accessToken: "shpat_plain_from_before" } });
    expect(await offlineAccessToken(h.prisma, shop)).toBe("shpat_worker_token");
    expect(await offlineAccessToken(h.prisma, legacy)).toBe("shpat_plain_from_before");

    const rotated = sessionEncryptionKeys.parse(`new:${key(5)},${process.env.SESSION_ENCRYPTION_KEYS || "dev1:" + Buffer.alloc(32, 7).toString("base64")}`);
    const first = await reencryptSessions(h.prisma, rotated);
    expect(first.rewritten).toBeGreaterThanOrEqual(2);
    // The earlier test's session is under k2, which this rotation does not know: reported, untouched.
    expect(first.unreadable.every((id) => !id.includes(shop) && !id.includes(legacy))).toBe(true);
    for (const [domain, token] of [[shop, "shpat_worker_token"], [legacy, "shpat_plain_from_before"]] as const) {
      const row = await h.prisma.session.findUniqueOrThrow({ where: { id: `offline_${domain}` } });
      expect(row.accessToken.startsWith("enc:v1:new:")).toBe(true);
      expect(decryptToken(sessionEncryptionKeys.parse(`new:${key(5)}`), row.accessToken)).toBe(token);
    }
    expect((await reencryptSessions(h.prisma, rotated)).rewritten).toBe(0);
  });
});
