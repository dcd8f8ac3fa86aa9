import type { ActionFunctionArgs } from "@remix-run/node";
import prisma from "~/db.server";
import { handleWebhook } from "~/lib/webhook-handler.server";
import { handleUninstall } from "~/services/lifecycle.server";

export const action = ({ request }: ActionFunctionArgs) =>
  handleWebhook(request, async ({ shop }) => {
    await handleUninstall(prisma, shop);
  });
