import type { ActionFunctionArgs } from "@remix-run/node";
import prisma from "~/db.server";
import { handleWebhook } from "~/lib/webhook-handler.server";
import { redactShop } from "~/services/compliance.server";

// customers/data_request, customers/redact, shop/redact. Atelier stores no data
// about a shop's customers, so the customer topics have nothing to export or erase.
export const action = ({ request }: ActionFunctionArgs) =>
  handleWebhook(request, async ({ topic, shop }) => {
    if (topic === "SHOP_REDACT") await redactShop(prisma, shop);
  });
