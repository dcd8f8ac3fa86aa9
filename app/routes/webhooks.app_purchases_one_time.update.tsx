import type { ActionFunctionArgs } from "@remix-run/node";
import prisma from "~/db.server";
import { handleWebhook } from "~/lib/webhook-handler.server";
import { handlePurchaseWebhook } from "~/services/billing/purchase-webhook.server";

// The purchase's status is read back from Shopify; the payload alone never credits.
export const action = ({ request }: ActionFunctionArgs) =>
  handleWebhook(request, async ({ shop, payload }) => {
    await handlePurchaseWebhook(prisma, shop, payload);
  });
