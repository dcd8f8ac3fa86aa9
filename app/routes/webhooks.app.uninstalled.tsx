import type { ActionFunctionArgs } from "@remix-run/node";
import prisma from "~/db.server";
import { handleWebhook } from "~/lib/webhook-handler.server";
import { recordUninstall } from "~/services/shops.server";

export const action = ({ request }: ActionFunctionArgs) =>
  handleWebhook(request, async ({ shop }) => {
    await recordUninstall(prisma, shop);
  });
