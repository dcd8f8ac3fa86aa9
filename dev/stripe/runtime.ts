import type { StripeState } from "./state";

export interface StandInConfig {
  secretKey: string;
  webhookSecret: string;
  /** Where events are POSTed; null records them without delivering. */
  webhookUrl: string | null;
  /** Stamped on events, as the webhook endpoint's API version is in Stripe. */
  apiVersion: string;
  /** Event types delivered on their own ("*" for all); control endpoints deliver whatever they are asked to. */
  enabledEvents: string[];
  /** Redirect the shopper before the webhooks are sent (Stripe gives no ordering). */
  redirectBeforeWebhook: boolean;
  /** How long a new or updated customer stays invisible to search, as Stripe's index lags. */
  searchLagSeconds: number;
}

export interface StandInRuntime {
  config: StandInConfig;
  state: StripeState;
  publicUrl(): string;
}

/** The API request an event came from, as Stripe records it in `event.request`. */
export interface RequestInfo {
  id: string | null;
  idempotency_key: string | null;
}

export const NO_REQUEST: RequestInfo = { id: null, idempotency_key: null };
