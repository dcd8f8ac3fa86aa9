import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData, useRevalidator } from "@remix-run/react";
import { Badge, BlockStack, Card, IndexTable, InlineStack, Page, ProgressBar, Text } from "@shopify/polaris";
import { useEffect } from "react";
import { EmptyNote } from "~/components/EmptyNote";
import { WatcherDrafts } from "~/components/WatcherDrafts";
import prisma from "~/db.server";
import { requireShop } from "~/lib/shop-context.server";
import { isActive } from "~/lib/shoot-status";
import { enqueueShoot } from "~/queues.server";
import { listShoots } from "~/services/shoots/queries.server";
import { decideDraft, openDrafts, runApprovedDrafts } from "~/services/watcher/watcher.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const [shoots, drafts] = await Promise.all([listShoots(prisma, shop.id), openDrafts(prisma, shop.id)]);
  return {
    shoots,
    drafts: drafts.map((d) => ({ id: d.id, productId: d.productId, status: d.status, reason: d.reason, createdAt: d.createdAt.toISOString() })),
    active: shoots.some((s) => isActive(s.counts)),
  };
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop } = await requireShop(request);
  const form = await request.formData();
  const intent = form.get("intent");
  const draftId = String(form.get("draftId") ?? "");
  if ((intent !== "approve-draft" && intent !== "reject-draft") || !/^[0-9a-f-]{36}$/.test(draftId)) {
    return Response.json({ error: "Unknown action" }, { status: 400 });
  }
  const changed = await decideDraft(prisma, shop.id, draftId, intent === "approve-draft" ? "approved" : "rejected");
  if (!changed) return Response.json({ error: "That draft is no longer waiting." }, { status: 404 });
  if (intent === "reject-draft") return { message: "Skipped." };
  // Shot now if the photo is already in Atelier; otherwise the sweeper shoots it once it is.
  const runs = await runApprovedDrafts(prisma, { shopId: shop.id });
  const mine = runs.find((r) => r.draftId === draftId);
  if (mine?.outcome === "shot") await enqueueShoot(shop.id, mine.jobIds ?? []).catch(() => false);
  const message = { shot: "Shoot queued.", waiting: "Queued: it starts as soon as the photo is imported.", over_budget: "Not shot: over the watcher's monthly budget.", failed: "Not shot." };
  return { message: message[mine?.outcome ?? "waiting"] };
};

export default function Shoots() {
  const { shoots, drafts, active } = useLoaderData<typeof loader>();
  const revalidator = useRevalidator();
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => revalidator.state === "idle" && revalidator.revalidate(), 2000);
    return () => clearInterval(timer);
  }, [active, revalidator]);
  return (
    <Page title="Shoots" backAction={{ url: "/app" }} primaryAction={{ content: "New shoot", url: "/app/catalog" }}>
      <BlockStack gap="400">
      <WatcherDrafts drafts={drafts} />
      <Card padding="0">
        {shoots.length === 0 ? (
          <EmptyNote heading="No shoots yet" action={{ content: "Pick products", url: "/app/catalog" }}>Shoots you queue appear here with their progress and results.</EmptyNote>
        ) : (
          <IndexTable
            itemCount={shoots.length}
            selectable={false}
            headings={[{ title: "Shoot" }, { title: "Progress" }, { title: "Status" }, { title: "Credits", alignment: "end" }]}
          >
            {shoots.map((s, i) => {
              const done = (s.counts.completed ?? 0) + (s.counts.failed ?? 0) + (s.counts.cancelled ?? 0);
              return (
                <IndexTable.Row id={s.id} key={s.id} position={i}>
                  <IndexTable.Cell>
                    <Link to={`/app/shoots/${s.id}`}>
                      <Text as="span" fontWeight="semibold">
                        {s.name ?? `${s.jobCount} photos`}
                      </Text>
                    </Link>
                    <Text as="p" tone="subdued" variant="bodySm">
                      {new Date(s.createdAt).toLocaleString()}
                    </Text>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <BlockStack gap="100">
                      <ProgressBar progress={s.jobCount ? Math.round((done / s.jobCount) * 100) : 100} size="small" animated={isActive(s.counts)} />
                      <Text as="span" variant="bodySm" tone="subdued">
                        {done} of {s.jobCount}
                      </Text>
                    </BlockStack>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <InlineStack gap="100">
                      {Object.entries(s.counts).map(([status, n]) => (
                        <Badge key={status} tone={status === "completed" ? "success" : status === "failed" ? "critical" : undefined}>{`${n} ${status}`}</Badge>
                      ))}
                    </InlineStack>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <Text as="span" alignment="end" numeric>
                      {s.costCredits}
                    </Text>
                  </IndexTable.Cell>
                </IndexTable.Row>
              );
            })}
          </IndexTable>
        )}
      </Card>
      </BlockStack>
    </Page>
  );
}
