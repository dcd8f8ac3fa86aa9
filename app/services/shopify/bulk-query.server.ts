import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import type { AdminGraphQL } from "./admin-graphql.server";

// Shopify bulk query operations: start one, read its state, cancel it, and read its
// JSONL result line by line (a 5,000-product result is never held in memory).

export const RUN_BULK_QUERY = `#graphql
  mutation AtelierRunBulkQuery($query: String!) {
    bulkOperationRunQuery(query: $query, groupObjects: false) {
      bulkOperation { id status }
      userErrors { field message code }
    }
  }`;

export const BULK_OPERATION_STATUS = `#graphql
  query AtelierBulkOperation($id: ID!) {
    node(id: $id) { ... on BulkOperation { id status errorCode objectCount url } }
  }`;

export const CANCEL_BULK_OPERATION = `#graphql
  mutation AtelierCancelBulkOperation($id: ID!) {
    bulkOperationCancel(id: $id) {
      bulkOperation { id status }
      userErrors { field message }
    }
  }`;

/** The shop already runs as many bulk queries as Shopify allows (an import, say). */
export const BULK_IN_PROGRESS = "in_progress" as const;

/** Starts a bulk query; its id, or BULK_IN_PROGRESS when the shop has no room for another. */
export async function startBulkQuery(admin: AdminGraphQL, query: string): Promise<string | typeof BULK_IN_PROGRESS> {
  const started = await admin.request<{
    bulkOperationRunQuery: { bulkOperation: { id: string } | null; userErrors: { message: string; code?: string | null }[] };
  }>(RUN_BULK_QUERY, { query });
  const { bulkOperation, userErrors } = started.bulkOperationRunQuery;
  if (bulkOperation) return bulkOperation.id;
  if (userErrors.some((e) => e.code === "OPERATION_IN_PROGRESS")) return BULK_IN_PROGRESS;
  throw new Error(`Shopify refused the bulk query: ${userErrors.map((e) => e.message).join("; ")}`);
}

export interface BulkOperationState {
  status: "CREATED" | "RUNNING" | "COMPLETED" | "CANCELING" | "CANCELED" | "FAILED" | "EXPIRED";
  /** The JSONL result once COMPLETED; null when the query matched nothing. */
  url: string | null;
  errorCode: string | null;
}

export async function bulkOperationState(admin: AdminGraphQL, operationId: string): Promise<BulkOperationState> {
  const data = await admin.request<{ node: BulkOperationState | null }>(BULK_OPERATION_STATUS, { id: operationId });
  if (!data.node) throw new Error(`bulk operation ${operationId} not found`);
  return data.node;
}

export const bulkRunning = (state: BulkOperationState) => state.status === "CREATED" || state.status === "RUNNING";

/** Asks Shopify to stop an operation nobody will read, so it stops holding the shop's slot. */
export async function cancelBulkOperation(admin: AdminGraphQL, operationId: string): Promise<void> {
  await admin.request(CANCEL_BULK_OPERATION, { id: operationId });
}

/** The JSONL objects of a bulk result, one per line, streamed. */
export async function* bulkLines<T>(body: AsyncIterable<Uint8Array>): AsyncGenerator<T> {
  const lines = createInterface({ input: Readable.from(body), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim()) yield JSON.parse(line) as T;
  }
}
