// The shape every provider's webhook verifier shares. Verifiers live in the app (the
// webhook route calls them) and never trust a body's status: a verified webhook only
// names the provider's job, and the worker re-fetches its status before acting.

export interface ProviderWebhook {
  /** Raw body, exactly as received: signatures cover the bytes. */
  body: string;
  headers: Headers;
}

export interface VerifiedWebhook {
  /** The provider's id of the work (FASHN prediction id, fal request id, Replicate prediction id…). */
  providerJobId: string;
}

export type WebhookRejection = "bad_signature" | "stale_timestamp" | "malformed" | "unknown_key";

/** The webhook is not from the provider (or not in a form it documents); answer 401 and do nothing. */
export class WebhookRejectedError extends Error {
  constructor(
    readonly reason: WebhookRejection,
    message: string,
  ) {
    super(message);
    this.name = "WebhookRejectedError";
  }
}

/** Signed webhooks older or newer than this are refused (replays). */
export const WEBHOOK_TOLERANCE_MS = 5 * 60_000;
