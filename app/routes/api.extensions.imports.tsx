import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import prisma from "~/db.server";
import { extensionRoute, methodNotAllowed } from "~/lib/extension-auth.server";
import { BodyError, readJsonBody } from "~/lib/extension-http.server";
import { enqueueImport } from "~/queues.server";
import { createImportRun, ImportInputError } from "~/services/catalog/import.server";
import { importBody, issuesMessage } from "~/services/extensions/inputs.server";
import type { ImportResponse } from "../../extensions/shared/contract";

// POST /api/extensions/imports: imports the chosen products' photos from Shopify so
// they can be shot. The photos are read with this shop's session, so an id that is not
// the shop's product imports nothing.
export const action = ({ request }: ActionFunctionArgs) =>
  extensionRoute(request, async ({ shop, json, fail }) => {
    if (request.method !== "POST") return fail(405, { error: "Use POST.", code: "method_not_allowed" }, { Allow: "POST" });
    let raw: unknown;
    try {
      raw = await readJsonBody(request);
    } catch (error) {
      if (error instanceof BodyError) return fail(error.status, { error: error.message, code: "invalid_request" });
      throw error;
    }
    const body = importBody.safeParse(raw);
    if (!body.success) return fail(400, { error: issuesMessage(body.error), code: "invalid_request" });
    try {
      const run = await createImportRun(prisma, shop.id, { productIds: body.data.productIds });
      await enqueueImport(shop.id, run.id);
      return json({ import_run_id: run.id, products: run.productsTotal ?? body.data.productIds.length } satisfies ImportResponse, { status: 202 });
    } catch (error) {
      if (error instanceof ImportInputError) return fail(400, { error: error.message, code: "invalid_import" });
      throw error;
    }
  });

// Preflights reach a resource route's loader; a GET is the wrong method.
export const loader = ({ request }: LoaderFunctionArgs) => methodNotAllowed(request, "POST");
