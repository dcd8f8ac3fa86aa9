import { AtelierApiError } from "./api";
import type { ErrorResponse } from "./contract";

/** Any failure as the backend's error shape, so the components show one kind of message. */
export function asErrorResponse(error: unknown): ErrorResponse {
  if (error instanceof AtelierApiError) return error.body;
  return { error: "Something went wrong. Try again.", code: "internal" };
}
