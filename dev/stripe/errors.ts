// Stripe's error envelope, so the SDK raises the same error classes against the
// stand-in as against api.stripe.com (it picks the class from status and `type`).

export interface StripeErrorFields {
  type: "invalid_request_error" | "idempotency_error" | "api_error" | "card_error";
  message: string;
  code?: string;
  param?: string;
}

export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly fields: StripeErrorFields,
  ) {
    super(fields.message);
  }

  body(): { error: Record<string, string> } {
    const { type, message, code, param } = this.fields;
    const error: Record<string, string> = { type, message };
    if (code) {
      error.code = code;
      error.doc_url = `https://stripe.com/docs/error-codes/${code.replaceAll("_", "-")}`;
    }
    if (param) error.param = param;
    return { error };
  }
}

export function invalidRequest(message: string, param?: string, code?: string, status = 400): StripeApiError {
  return new StripeApiError(status, { type: "invalid_request_error", message, param, code });
}

export const unknownParameter = (param: string) => invalidRequest(`Received unknown parameter: ${param}`, param, "parameter_unknown");

export const missingParameter = (param: string) => invalidRequest(`Missing required param: ${param}.`, param, "parameter_missing");

/** `param` names the id's field: "id" for a path id (404), a body field such as "customer" (400). */
export function resourceMissing(kind: string, id: string, param = "id"): StripeApiError {
  return invalidRequest(`No such ${kind}: '${id}'`, param, "resource_missing", param === "id" ? 404 : 400);
}

export function unrecognizedUrl(method: string, path: string): StripeApiError {
  return invalidRequest(
    `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/. ` +
      "(The Stripe stand-in does not implement this endpoint; see dev/stripe/README.md.)",
    undefined,
    undefined,
    404,
  );
}
