import type { ActionFunctionArgs } from "@remix-run/node";
import prisma from "~/db.server";
import { handleWebhook } from "~/lib/webhook-handler.server";
import { logger } from "~/logger.server";
import { enqueueImport } from "~/queues.server";
import { createImportRun } from "~/services/catalog/import.server";
import { markChangedImagesStale, orphanProductImages, productWebhookPayload } from "~/services/catalog/product-sync.server";
import { watchProductChange } from "~/services/watcher/watcher.server";

// products/create, products/update and products/delete.
export const action = ({ request }: ActionFunctionArgs) =>
  handleWebhook(request, async ({ shop, topic, payload }) => {
    const product = productWebhookPayload.parse(payload);
    const shopRow = await prisma.shop.findUnique({ where: { domain: shop }, select: { id: true } });
    if (!shopRow) return;
    if (topic === "PRODUCTS_DELETE") {
      await orphanProductImages(prisma, shopRow.id, product);
      return;
    }
    if (topic === "PRODUCTS_UPDATE") await markChangedImagesStale(prisma, shopRow.id, product);
    const watched = await watchProductChange(prisma, shopRow.id, payload);
    if (watched.importProductIds.length === 0) return;
    // The draft is shot from the new photo once it is in Atelier (the sweeper runs it).
    const run = await createImportRun(prisma, shopRow.id, { productIds: watched.importProductIds });
    await enqueueImport(shopRow.id, run.id).catch((err: unknown) => logger.warn({ err }, "import for the catalog watcher not enqueued yet"));
  });
