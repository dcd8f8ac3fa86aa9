import { createHash, createPublicKey, verify, type KeyObject } from "node:crypto";
import { z } from "zod";
import { WEBHOOK_TOLERANCE_MS, WebhookRejectedError, type ProviderWebhook, type VerifiedWebhook } from "./webhook.server";

// fal signs every webhook with Ed25519 (docs.fal.ai/model-apis/model-endpoints/webhooks):
// the signature (hex, X-Fal-Webhook-Signature) covers
//   request_id \n user_id \n timestamp \n sha256hex(raw body)
// from the X-Fal-Webhook-Request-Id / -User-Id / -Timestamp headers, and verifies against
// one of the public keys fal publishes as a JWKS. The keys carry no id the webhook names,
// so each key is tried; when none verifies the set is fetched again once (fal rotated).

export const FAL_JWKS_URL = "https://rest.alpha.fal.ai/.well-known/jwks.json";
const DEFAULT_CACHE_MS = 24 * 60 * 60_000;
/** Forged webhooks must not turn us into a JWKS request amplifier. */
const DEFAULT_REFETCH_COOLDOWN_MS = 60_000;
const JWKS_TIMEOUT_MS = 10_000;

export interface FalWebhookVerifierConfig {
  jwksUrl?: string;
  /** Loads the JWKS document as parsed JSON; defaults to fetch. */
  fetchJwks?: (url: string, signal: AbortSignal) => Promise<unknown>;
  now?: () => number;
  cacheMs?: number;
  /** Minimum time between two fetches of the key set. */
  refetchCooldownMs?: number;
  /** When set, webhooks for another fal account are refused. */
  userId?: string;
}

export interface FalWebhookVerifier {
  verify(webhook: ProviderWebhook): Promise<VerifiedWebhook>;
}

const jwks = z.object({ keys: z.array(z.record(z.string(), z.unknown())) });
const webhookBody = z.object({ request_id: z.string() });

async function defaultFetchJwks(url: string, signal: AbortSignal): Promise<unknown> {
  const res = await fetch(url, { signal, redirect: "error", headers: { accept: "application/json" } });
  if (!res.ok) throw new Error(`fal's webhook key set answered ${res.status}.`);
  return res.json();
}

/** The usable Ed25519 keys of a JWKS; anything else in the set is ignored. */
function ed25519Keys(document: unknown): KeyObject[] {
  const parsed = jwks.safeParse(document);
  if (!parsed.success) throw new Error("fal's webhook key set is not a JWKS.");
  const keys: KeyObject[] = [];
  for (const jwk of parsed.data.keys) {
    if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.x !== "string") continue;
    try {
      keys.push(createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: jwk.x }, format: "jwk" }));
    } catch {
      // A key node:crypto cannot read cannot have signed anything we accept.
    }
  }
  return keys;
}

function header(headers: Headers, name: string, pattern: RegExp): string {
  const value = headers.get(name);
  if (value === null || !pattern.test(value)) {
    throw new WebhookRejectedError("malformed", `The fal webhook's ${name} header is missing or malformed.`);
  }
  return value;
}

export function falWebhookVerifier(config: FalWebhookVerifierConfig = {}): FalWebhookVerifier {
  const url = config.jwksUrl ?? FAL_JWKS_URL;
  const load = config.fetchJwks ?? defaultFetchJwks;
  const now = config.now ?? Date.now;
  const cacheMs = config.cacheMs ?? DEFAULT_CACHE_MS;
  const cooldownMs = config.refetchCooldownMs ?? DEFAULT_REFETCH_COOLDOWN_MS;
  let cached: { keys: KeyObject[]; fetchedAt: number } | undefined;
  let inflight: Promise<KeyObject[]> | undefined;

  /** One fetch at a time, shared by every verification waiting on it. */
  function fetchKeys(): Promise<KeyObject[]> {
    inflight ??= (async () => {
      try {
        const keys = ed25519Keys(await load(url, AbortSignal.timeout(JWKS_TIMEOUT_MS)));
        cached = { keys, fetchedAt: now() };
        return keys;
      } catch (error) {
        // Not a rejection: the webhook may be genuine, and fal retries a failed delivery.
        throw new Error("Could not load fal's webhook keys.", { cause: error });
      } finally {
        inflight = undefined;
      }
    })();
    return inflight;
  }

  async function currentKeys(): Promise<KeyObject[]> {
    if (cached && now() - cached.fetchedAt < cacheMs) return cached.keys;
    return fetchKeys();
  }

  return {
    async verify(webhook: ProviderWebhook): Promise<VerifiedWebhook> {
      const requestId = header(webhook.headers, "x-fal-webhook-request-id", /^[A-Za-z0-9-]{1,128}$/);
      const userId = header(webhook.headers, "x-fal-webhook-user-id", /^[^\r\n]{1,200}$/);
      const timestamp = header(webhook.headers, "x-fal-webhook-timestamp", /^\d{1,12}$/);
      const signature = Buffer.from(header(webhook.headers, "x-fal-webhook-signature", /^[0-9a-f]{128}$/i), "hex");

      if (Math.abs(now() - Number(timestamp) * 1000) > WEBHOOK_TOLERANCE_MS) {
        throw new WebhookRejectedError("stale_timestamp", "The fal webhook's timestamp is outside the accepted window.");
      }
      const digest = createHash("sha256").update(webhook.body, "utf8").digest("hex");
      const message = Buffer.from(`${requestId}\n${userId}\n${timestamp}\n${digest}`, "utf8");
      const verifiedBy = (keys: KeyObject[]) =>
        keys.some((key) => {
          try {
            return verify(null, message, key, signature);
          } catch {
            return false;
          }
        });

      let keys = await currentKeys();
      if (!verifiedBy(keys)) {
        const fetchedAt = cached?.fetchedAt ?? -Infinity;
        if (now() - fetchedAt >= cooldownMs || inflight) keys = await fetchKeys();
        if (!verifiedBy(keys)) {
          if (keys.length === 0) throw new WebhookRejectedError("unknown_key", "fal's key set holds no Ed25519 key.");
          throw new WebhookRejectedError("bad_signature", "The fal webhook's signature does not verify.");
        }
      }

      if (config.userId !== undefined && userId !== config.userId) {
        throw new WebhookRejectedError("bad_signature", "The fal webhook is for another fal account.");
      }
      let body: unknown;
      try {
        body = JSON.parse(webhook.body);
      } catch {
        throw new WebhookRejectedError("malformed", "The fal webhook's body is not JSON.");
      }
      const parsed = webhookBody.safeParse(body);
      if (!parsed.success || parsed.data.request_id !== requestId) {
        throw new WebhookRejectedError("malformed", "The fal webhook's body names another request.");
      }
      return { providerJobId: requestId };
    },
  };
}
