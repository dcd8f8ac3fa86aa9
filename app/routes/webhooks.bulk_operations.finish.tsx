import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import prisma from "~/db.server";
import { handleWebhook } from "~/lib/webhook-handler.server";
import { wakeImport } from "~/queues.server";

const payload = z.object({ admin_graphql_api_id: z.string() });

// The import that started the operation also polls it; this delivery only wakes it.
export const action = ({ request }: ActionFunctionArgs) =>
  handleWebhook(request, async ({ shop, payload: body }) => {
    const { admin_graphql_api_id: operationId } = payload.parse(body);
    const runs = await prisma.importRun.findMany({
      where: { bulkOperationId: operationId, shop: { domain: shop }, status: "running" },
      select: { id: true },
    });
    for (const run of runs) await wakeImport(run.id);
  });
