import type { ActionFunctionArgs } from "@remix-run/node";
import { handleWebhook } from "~/lib/webhook-handler.server";

// Recorded; credits for a one-time purchase are granted when the purchase is
// confirmed as ACTIVE by the billing flow, never from this payload alone.
export const action = ({ request }: ActionFunctionArgs) => handleWebhook(request, async () => undefined);
