import type { LoaderFunctionArgs } from "@remix-run/node";
import prisma from "~/db.server";
import { requireShop } from "~/lib/shop-context.server";
import { getShoot } from "~/services/shoots/queries.server";
import { storage } from "~/storage.server";

// GET /api/shoots/{batch id}: the seed's get-job-status for a whole shoot. Another
// shop's id is answered exactly like a missing one.
export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const shoot = /^[0-9a-f-]{36}$/.test(params.id ?? "") ? await getShoot(prisma, shop.id, params.id!) : null;
  if (!shoot) return Response.json({ error: "not found" }, { status: 404 });
  const jobs = await Promise.all(
    shoot.jobs.map(async (j) => ({
      job_id: j.id,
      product_id: j.productId,
      status: j.status,
      cost_credits: j.costCredits,
      error: j.errorMessage,
      needs_review: j.needsReview,
      review_reason: j.reviewReason,
      regenerated_as: j.regeneratedAs,
      provider: j.provider,
      outputs: await Promise.all(j.outputs.map(async (o) => ({ url: await storage().signedUrl("outputs", o.path, 3600), width: o.width, height: o.height }))),
    })),
  );
  return Response.json({ batch_id: shoot.batch.id, cost_credits: shoot.batch.costCredits, jobs });
};
