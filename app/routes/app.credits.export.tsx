import type { LoaderFunctionArgs } from "@remix-run/node";
import prisma from "~/db.server";
import { requireShop } from "~/lib/shop-context.server";
import { ledgerCsv } from "~/services/credits/queries.server";

// GET /app/credits/export: the shop's ledger as CSV (fetched by the credits page with
// the session token, then saved by the browser).
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const rows = ledgerCsv(prisma, shop.id);
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await rows.next();
      if (next.done) controller.close();
      else controller.enqueue(new TextEncoder().encode(next.value));
    },
  });
  return new Response(stream, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="atelier-credits-${shop.domain.replace(/\.myshopify\.com$/, "")}.csv"`,
      "Cache-Control": "no-store",
    },
  });
};
