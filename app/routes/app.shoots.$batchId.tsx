import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation, useRevalidator } from "@remix-run/react";
import { Badge, Banner, BlockStack, Box, Button, Card, InlineGrid, InlineStack, Page, ProgressBar, Text, Thumbnail } from "@shopify/polaris";
import { ImageIcon } from "@shopify/polaris-icons";
import { useEffect, useRef } from "react";
import prisma from "~/db.server";
import { shootOptions } from "~/lib/presets";
import { requireShop } from "~/lib/shop-context.server";
import { enqueueShoot, wakeGeneration } from "~/queues.server";
import { InsufficientCreditsError } from "~/services/credits/errors.server";
import { createShoot, ShootInputError } from "~/services/shoots/create.server";
import { RateLimitedError } from "~/services/shoots/rate-limit.server";
import { cancelJobs } from "~/services/shoots/job-state.server";
import { regenerateFree, RegenerateError } from "~/services/shoots/regenerate.server";
import { getShoot, isActive } from "~/services/shoots/queries.server";
import { storage } from "~/storage.server";

const uuid = /^[0-9a-f-]{36}$/;

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const shoot = uuid.test(params.batchId ?? "") ? await getShoot(prisma, shop.id, params.batchId!) : null;
  if (!shoot) throw new Response("Shoot not found", { status: 404 });
  const counts: Record<string, number> = {};
  for (const j of shoot.jobs) counts[j.status] = (counts[j.status] ?? 0) + 1;
  const jobs = await Promise.all(
    shoot.jobs.map(async (j) => ({
      id: j.id,
      productId: j.productId,
      variation: j.variation,
      status: j.status,
      error: j.errorMessage,
      review: j.needsReview && !j.regeneratedAs ? (j.reviewReason ?? "The garment may not match the product photo.") : null,
      regenerated: Boolean(j.regeneratedAs),
      output: j.outputs[0] ? { url: await storage().signedUrl("outputs", j.outputs[0].path, 3600), width: j.outputs[0].width, height: j.outputs[0].height } : null,
    })),
  );
  return { id: shoot.batch.id, name: shoot.batch.name, costCredits: shoot.batch.costCredits, counts, jobs, active: isActive(counts), retryKey: crypto.randomUUID() };
};

export const action = async ({ request, params }: ActionFunctionArgs) => {
  const { shop } = await requireShop(request);
  const shoot = uuid.test(params.batchId ?? "") ? await getShoot(prisma, shop.id, params.batchId!) : null;
  if (!shoot) return Response.json({ error: "Shoot not found" }, { status: 404 });
  const form = await request.formData();
  if (form.get("intent") === "cancel") {
    const cancelled = await cancelJobs(prisma, shop.id, shoot.jobs.map((j) => j.id));
    // Jobs in flight at a provider are stopped there by the worker; don't keep it waiting.
    await wakeGeneration(shoot.jobs.filter((j) => j.status === "processing" && cancelled.includes(j.id)).map((j) => j.id)).catch(() => undefined);
    return { cancelled: cancelled.length, error: null };
  }
  if (form.get("intent") === "regenerate") {
    const jobId = String(form.get("jobId") ?? "");
    if (!shoot.jobs.some((j) => j.id === jobId)) return Response.json({ error: "Photo not found in this shoot." }, { status: 404 });
    try {
      const next = await regenerateFree(prisma, shop.id, jobId);
      await enqueueShoot(shop.id, [next.jobId]).catch(() => false);
      return { error: null };
    } catch (error) {
      if (error instanceof RegenerateError) return Response.json({ error: error.message }, { status: 400 });
      throw error;
    }
  }
  if (form.get("intent") === "retry-failed") {
    // A new shoot of the failed photos' products with the same settings: they were
    // refunded, so the retry is priced and charged like any shoot.
    const failed = shoot.jobs.filter((j) => j.status === "failed" && j.productId);
    if (failed.length === 0) return Response.json({ error: "No failed photos to retry." }, { status: 400 });
    const params = shootOptions.safeParse(shoot.batch.params);
    if (!params.success) return Response.json({ error: "This shoot's settings are no longer available." }, { status: 400 });
    try {
      const retry = await createShoot(prisma, shop.id, {
        clientKey: String(form.get("clientKey") ?? ""),
        productIds: [...new Set(failed.map((j) => j.productId!))],
        options: { ...params.data, variations: 1 },
        name: `Retry of ${shoot.batch.name ?? "a shoot"}`,
      });
      await enqueueShoot(shop.id, retry.jobIds).catch(() => false);
      throw redirect(`/app/shoots/${retry.batchId}`);
    } catch (error) {
      if (error instanceof Response) throw error;
      if (error instanceof InsufficientCreditsError || error instanceof RateLimitedError || error instanceof ShootInputError) {
        return Response.json({ error: error.message }, { status: 400 });
      }
      throw error;
    }
  }
  return Response.json({ error: "Unknown action" }, { status: 400 });
};

const TONE: Record<string, "success" | "critical" | "attention" | undefined> = { completed: "success", failed: "critical", processing: "attention" };

export default function Shoot() {
  const shoot = useLoaderData<typeof loader>();
  const result = useActionData<{ error: string | null }>();
  const revalidator = useRevalidator();
  const navigation = useNavigation();
  const revalidate = useRef(revalidator.revalidate);
  revalidate.current = revalidator.revalidate;
  useEffect(() => {
    if (!shoot.active) return;
    // Server-sent events while the shoot runs; a slow poll covers a dropped stream.
    const abort = new AbortController();
    let live = false;
    (async () => {
      const response = await fetch(`/app/shoots/${shoot.id}/events`, { signal: abort.signal });
      if (!response.ok || !response.body) return;
      live = true;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (value.includes("event: update")) revalidate.current();
      }
    })()
      .catch(() => undefined)
      .finally(() => {
        live = false;
      });
    const poll = setInterval(() => !live && revalidate.current(), 3000);
    return () => {
      abort.abort();
      clearInterval(poll);
    };
  }, [shoot.active, shoot.id]);
  const done = (shoot.counts.completed ?? 0) + (shoot.counts.failed ?? 0) + (shoot.counts.cancelled ?? 0);
  return (
    <Page title={shoot.name ?? "Shoot"} subtitle={`${shoot.jobs.length} photos · ${shoot.costCredits} credits`} backAction={{ url: "/app/shoots" }}>
      <BlockStack gap="400">
        <Card>
          <BlockStack gap="200">
            <Text as="p" id="shoot-progress">
              {shoot.active ? `${done} of ${shoot.jobs.length} done` : `Finished: ${shoot.counts.completed ?? 0} ready${shoot.counts.failed ? `, ${shoot.counts.failed} failed and refunded` : ""}${shoot.counts.cancelled ? `, ${shoot.counts.cancelled} cancelled and refunded` : ""}`}
            </Text>
            <ProgressBar progress={shoot.jobs.length ? Math.round((done / shoot.jobs.length) * 100) : 100} animated={shoot.active} />
            {result?.error && <Banner tone="critical">{result.error}</Banner>}
            <InlineStack gap="200">
              {shoot.active && (
                <Form method="post">
                  <input type="hidden" name="intent" value="cancel" />
                  <Button submit disabled={navigation.state !== "idle"}>
                    Cancel remaining photos
                  </Button>
                </Form>
              )}
              {!shoot.active && (shoot.counts.failed ?? 0) > 0 && (
                <Form method="post">
                  <input type="hidden" name="intent" value="retry-failed" />
                  <input type="hidden" name="clientKey" value={shoot.retryKey} />
                  <Button submit loading={navigation.state === "submitting"}>
                    {`Retry ${shoot.counts.failed} failed photo${shoot.counts.failed === 1 ? "" : "s"}`}
                  </Button>
                </Form>
              )}
            </InlineStack>
          </BlockStack>
        </Card>
        <InlineGrid columns={{ xs: 2, sm: 3, md: 4 }} gap="300">
          {shoot.jobs.map((j) => (
            <Card key={j.id} padding="200">
              <BlockStack gap="100">
                {j.output ? (
                  <a href={j.output.url} target="_blank" rel="noreferrer" className="shoot-output">
                    <img src={j.output.url} alt={`On-model photo ${j.variation}`} style={{ width: "100%", borderRadius: 8 }} />
                  </a>
                ) : (
                  <Box padding="400">
                    <Thumbnail source={ImageIcon} alt="" size="large" />
                  </Box>
                )}
                <InlineStack gap="100">
                  <Badge tone={TONE[j.status]}>{j.status}</Badge>
                  {j.review && <Badge tone="warning">Needs review</Badge>}
                  {j.regenerated && <Badge>Regenerated</Badge>}
                </InlineStack>
                {j.review && (
                  <BlockStack gap="100">
                    <Text as="p" variant="bodySm" tone="caution">
                      {j.review}
                    </Text>
                    <Form method="post">
                      <input type="hidden" name="intent" value="regenerate" />
                      <input type="hidden" name="jobId" value={j.id} />
                      <Button submit size="slim" disabled={navigation.state !== "idle"}>
                        Regenerate free
                      </Button>
                    </Form>
                  </BlockStack>
                )}
                {j.error && (
                  <Text as="p" tone="critical" variant="bodySm">
                    {j.error}
                  </Text>
                )}
              </BlockStack>
            </Card>
          ))}
        </InlineGrid>
      </BlockStack>
    </Page>
  );
}
