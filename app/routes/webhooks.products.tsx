import type { ActionFunctionArgs } from "@remix-run/node";
import prisma from "~/db.server";
import { handleWebhook } from "~/lib/webhook-handler.server";
import { markChangedImagesStale, orphanProductImages, productWebhookPayload } from "~/services/catalog/product-sync.server";

// products/update and products/delete.
export const action = ({ request }: ActionFunctionArgs) =>
  handleWebhook(request, async ({ shop, topic, payload }) => {
    const product = productWebhookPayload.parse(payload);
    const shopRow = await prisma.shop.findUnique({ where: { domain: shop }, select: { id: true } });
    if (!shopRow) return;
    if (topic === "PRODUCTS_DELETE") await orphanProductImages(prisma, shopRow.id, product);
    else await markChangedImagesStale(prisma, shopRow.id, product);
  });
