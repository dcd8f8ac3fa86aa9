import type { LoaderFunctionArgs } from "@remix-run/node";
import prisma from "~/db.server";
import { adminAppUrl } from "~/lib/admin-url.server";
import { extensionRoute } from "~/lib/extension-auth.server";
import { signedUrlOrNull } from "~/lib/signed-url.server";
import { issuesMessage, productOutputsQuery } from "~/services/extensions/inputs.server";
import { productOutputs } from "~/services/extensions/outputs.server";
import type { ProductOutputsResponse } from "../../extensions/shared/contract";

/** Long enough to render the block, short enough that a copied link soon stops working. */
const THUMBNAIL_SECONDS = 300;

// GET /api/extensions/product-outputs?productId=gid: the product block's newest photos.
export const loader = ({ request }: LoaderFunctionArgs) =>
  extensionRoute(request, async ({ shop, json, fail }) => {
    const query = productOutputsQuery.safeParse({ productId: new URL(request.url).searchParams.get("productId") ?? "" });
    if (!query.success) return fail(400, { error: issuesMessage(query.error), code: "invalid_request" });
    const { productId } = query.data;
    const { outputs, inProgress } = await productOutputs(prisma, shop.id, productId);
    return json({
      product_id: productId,
      outputs: await Promise.all(
        outputs.map(async (o) => ({
          job_id: o.jobId,
          review_status: o.reviewStatus,
          thumbnail_url: await signedUrlOrNull("outputs", o.output.path, THUMBNAIL_SECONDS),
          width: o.output.width,
          height: o.output.height,
          completed_at: o.completedAt?.toISOString() ?? null,
          shoot_url: o.batchId ? adminAppUrl(shop.domain, `/app/shoots/${o.batchId}`) : null,
        })),
      ),
      in_progress: inProgress,
      review_url: adminAppUrl(shop.domain, `/app/catalog/${productId.split("/").pop()}`),
    } satisfies ProductOutputsResponse);
  });
