import type { ActionFunctionArgs } from "@remix-run/node";
import { handleWebhook } from "~/lib/webhook-handler.server";

// Recorded for the catalog import, which polls the bulk operation it started and
// uses this delivery only as a hint to look sooner.
export const action = ({ request }: ActionFunctionArgs) => handleWebhook(request, async () => undefined);
