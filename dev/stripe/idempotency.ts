import { StripeApiError, invalidRequest } from "./errors";
import type { FormValue } from "./form";
import type { IdempotencyRecord, StripeState } from "./state";

// Stripe's v1 idempotency: the first response to a key (once the endpoint began
// executing, errors included) is saved for 24 hours and returned again for the same
// key and parameters; other parameters or another endpoint are refused. Keys belong
// to the API key that used them. Requests refused by parameter validation save
// nothing, so a corrected retry with the same key goes through.

const TTL_MS = 24 * 60 * 60 * 1000;
const MAX_KEY_LENGTH = 255;

/** Parameters compared regardless of the order the client sent them in. */
export function canonicalParams(tree: FormValue): string {
  const sort = (value: FormValue): unknown =>
    typeof value === "string" ? value : Array.isArray(value) ? value.map(sort) : Object.fromEntries(Object.keys(value).sort().map((k) => [k, sort(value[k]!)]));
  return JSON.stringify(sort(tree));
}

export interface IdempotentRequest {
  apiKey: string;
  key: string;
  method: string;
  path: string;
  params: string;
}

const scopeOf = (request: IdempotentRequest) => `${request.apiKey}\u0000${request.key}`;

function prune(state: StripeState): void {
  const cutoff = state.nowMs() - TTL_MS;
  for (const [scope, record] of state.idempotency) {
    if (record.response && record.savedAt < cutoff) state.idempotency.delete(scope);
  }
}

/** The saved response for this key, if any; throws when the key cannot be used for this request. */
export function savedResponse(state: StripeState, request: IdempotentRequest): IdempotencyRecord["response"] {
  if (request.key.length > MAX_KEY_LENGTH) {
    throw invalidRequest(`Idempotency-Key must be at most ${MAX_KEY_LENGTH} characters long.`);
  }
  prune(state);
  const record = state.idempotency.get(scopeOf(request));
  if (!record) return null;
  if (!record.response) {
    throw invalidRequest(
      `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${request.key}. Please try again later.`,
      undefined,
      "idempotency_key_in_use",
      409,
    );
  }
  if (record.method !== request.method || record.path !== request.path) {
    throw new StripeApiError(400, {
      type: "idempotency_error",
      message: `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${record.method} ${record.path}' vs '${request.method} ${request.path}'). Try using a key other than '${request.key}' if you meant to execute a different request.`,
    });
  }
  if (record.params !== request.params) {
    throw new StripeApiError(400, {
      type: "idempotency_error",
      message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${request.key}' if you meant to execute a different request.`,
    });
  }
  return record.response;
}

/** Marks the key in use while the endpoint runs; `save` stores its response. */
export function claimKey(state: StripeState, request: IdempotentRequest): { save(response: NonNullable<IdempotencyRecord["response"]>): void } {
  const scope = scopeOf(request);
  const record: IdempotencyRecord = { method: request.method, path: request.path, params: request.params, savedAt: state.nowMs(), response: null };
  state.idempotency.set(scope, record);
  return {
    save(response) {
      record.response = response;
      record.savedAt = state.nowMs();
    },
  };
}
