import type { ActionFunctionArgs } from "@remix-run/node";
import prisma from "~/db.server";
import { handleWebhook } from "~/lib/webhook-handler.server";
import { recordCustomerRequest, redactShop } from "~/services/compliance.server";
import { storage } from "~/storage.server";

// customers/data_request, customers/redact, shop/redact (docs/privacy.md).
export const action = ({ request }: ActionFunctionArgs) =>
  handleWebhook(request, async ({ topic, shop, payload }) => {
    if (topic === "SHOP_REDACT") await redactShop(prisma, storage(), shop);
    else if (topic === "CUSTOMERS_DATA_REQUEST") await recordCustomerRequest(prisma, "customers/data_request", shop, payload);
    else if (topic === "CUSTOMERS_REDACT") await recordCustomerRequest(prisma, "customers/redact", shop, payload);
  });
