import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { z } from "zod";

// Shopify access tokens at rest: AES-256-GCM with a key from the environment. Several
// keys may be configured for rotation: the first encrypts, any of them decrypts (each
// value names its key). See docs/decisions/010-access-tokens-at-rest.md.

const PREFIX = "enc:v1:";

/** Development only: production refuses it (see the env schemas). */
export const DEV_SESSION_ENCRYPTION_KEYS = `dev1:${Buffer.alloc(32, 7).toString("base64")}`;

export interface TokenKeys {
  currentId: string;
  keys: ReadonlyMap<string, Buffer>;
}

/** `id:base64key,id2:base64key2`, each key 32 bytes; the first is the one that encrypts. */
export const sessionEncryptionKeys = z
  .string()
  .default(DEV_SESSION_ENCRYPTION_KEYS)
  .transform((spec, ctx) => {
    const keys = new Map<string, Buffer>();
    for (const part of spec.split(",").map((p) => p.trim()).filter(Boolean)) {
      const m = /^([A-Za-z0-9_-]{1,20}):([A-Za-z0-9+/=]+)$/.exec(part);
      const key = m ? Buffer.from(m[2]!, "base64") : null;
      if (!m || key!.length !== 32) {
        ctx.addIssue({ code: "custom", message: "keys are id:base64 of 32 random bytes, comma-separated" });
        return z.NEVER;
      }
      if (keys.has(m[1]!)) {
        ctx.addIssue({ code: "custom", message: `duplicate key id ${m[1]}` });
        return z.NEVER;
      }
      keys.set(m[1]!, key!);
    }
    if (keys.size === 0) {
      ctx.addIssue({ code: "custom", message: "at least one key" });
      return z.NEVER;
    }
    return { currentId: keys.keys().next().value!, keys } satisfies TokenKeys;
  });

export class TokenKeyMissingError extends Error {
  constructor(readonly keyId: string) {
    super(`No session encryption key "${keyId}" is configured; add it back to SESSION_ENCRYPTION_KEYS to read tokens it encrypted.`);
    this.name = "TokenKeyMissingError";
  }
}

export function isEncryptedToken(value: string): boolean {
  return value.startsWith(PREFIX);
}

export function encryptToken(keys: TokenKeys, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keys.keys.get(keys.currentId)!, iv);
  cipher.setAAD(Buffer.from(keys.currentId));
  const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return `${PREFIX}${keys.currentId}:${iv.toString("base64url")}:${data.toString("base64url")}`;
}

/** Decrypts a stored token; a value stored before encryption was turned on is returned as it is. */
export function decryptToken(keys: TokenKeys, stored: string): string {
  if (!isEncryptedToken(stored)) return stored;
  const [id, iv, data] = stored.slice(PREFIX.length).split(":");
  const key = id ? keys.keys.get(id) : undefined;
  if (!key) throw new TokenKeyMissingError(id ?? "");
  const bytes = Buffer.from(data ?? "", "base64url");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv ?? "", "base64url"));
  decipher.setAAD(Buffer.from(id!));
  decipher.setAuthTag(bytes.subarray(bytes.length - 16));
  return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString("utf8");
}

let fromEnv: TokenKeys | undefined;

/** The keys configured for this process (app or worker). */
export function tokenKeys(): TokenKeys {
  fromEnv ??= sessionEncryptionKeys.parse(process.env.SESSION_ENCRYPTION_KEYS || undefined);
  return fromEnv;
}
