import type { StripeEvent } from "../objects";
import type { Fields, Params } from "../params";
import type { RequestInfo, StandInRuntime } from "../runtime";

export interface ApiContext {
  runtime: StandInRuntime;
  request: RequestInfo;
}

export interface ApiResult {
  body: unknown;
  status?: number;
  /** Sent to the webhook endpoint after the response, as Stripe does. */
  events?: StripeEvent[];
}

export interface Route {
  method: "GET" | "POST";
  path: RegExp;
  params: Fields;
  run(ctx: ApiContext, params: Params, ids: string[]): ApiResult;
}
