import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import prisma from "~/db.server";
import { handleWebhook } from "~/lib/webhook-handler.server";

const productPayload = z.object({ id: z.union([z.number(), z.string()]), admin_graphql_api_id: z.string().optional() });

// products/update and products/delete.
export const action = ({ request }: ActionFunctionArgs) =>
  handleWebhook(request, async ({ shop, topic, payload }) => {
    const product = productPayload.parse(payload);
    const productId = product.admin_graphql_api_id ?? `gid://shopify/Product/${product.id}`;
    const shopRow = await prisma.shop.findUnique({ where: { domain: shop }, select: { id: true } });
    if (!shopRow) return;
    if (topic === "PRODUCTS_DELETE") {
      // Imported photos of a deleted product are kept for the merchant's shoots but
      // marked so the catalog stops offering them.
      await prisma.asset.updateMany({
        where: { shopId: shopRow.id, productId, kind: "upload" },
        data: { status: "orphaned" },
      });
    }
  });
