import type { CreateShootRequest, CreateShootResponse, ErrorResponse, ImportResponse, ProductOutputsResponse, QuoteResponse } from "./contract";

/** A refusal from the backend (or no answer at all: status 0), with its message for the merchant. */
export class AtelierApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorResponse,
  ) {
    super(body.error);
    this.name = "AtelierApiError";
  }
}

export interface ClientDeps {
  fetch: typeof fetch;
  /**
   * The extension's ID token (shopify.auth.idToken). The admin adds it by itself to
   * fetches to the app's own domain; sending it explicitly keeps a backend on another
   * domain working too.
   */
  idToken?: () => Promise<string | null>;
  /** Empty in the admin: relative paths resolve against the app's application_url. */
  baseUrl?: string;
}

function isErrorResponse(body: unknown): body is ErrorResponse {
  return typeof body === "object" && body !== null && typeof (body as ErrorResponse).error === "string" && typeof (body as ErrorResponse).code === "string";
}

/** The four backend calls the extensions make, with errors as AtelierApiError. */
export function atelierClient(deps: ClientDeps) {
  async function send(path: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("Accept", "application/json");
    const token = await deps.idToken?.().catch(() => null);
    if (token) headers.set("Authorization", `Bearer ${token}`);
    try {
      return await deps.fetch(`${deps.baseUrl ?? ""}${path}`, { ...init, headers });
    } catch {
      throw new AtelierApiError(0, { error: "Atelier could not be reached. Check your connection and try again.", code: "internal" });
    }
  }

  async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
    let response = await send(path, init);
    // A token that expired on the way: the backend says so, and a fresh one is asked for once.
    if (response.status === 401 && response.headers.get("X-Shopify-Retry-Invalid-Session-Request") === "1") response = await send(path, init);
    const body: unknown = await response.json().catch(() => null);
    if (!response.ok) {
      throw new AtelierApiError(response.status, isErrorResponse(body) ? body : { error: `Atelier answered with an error (${response.status}). Try again.`, code: "internal" });
    }
    return body as T;
  }
  const postJson = <T>(path: string, body: unknown) =>
    request<T>(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

  return {
    quote: (search: string) => request<QuoteResponse>(`/api/extensions/shoot-quote?${search}`),
    createShoot: (body: CreateShootRequest) => postJson<CreateShootResponse>("/api/extensions/shoots", body),
    importPhotos: (productIds: string[]) => postJson<ImportResponse>("/api/extensions/imports", { productIds }),
    productOutputs: (productId: string) => request<ProductOutputsResponse>(`/api/extensions/product-outputs?productId=${encodeURIComponent(productId)}`),
  };
}

export type AtelierClient = ReturnType<typeof atelierClient>;
