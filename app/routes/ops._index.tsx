import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData, useLocation } from "@remix-run/react";
import { useAppBridge } from "@shopify/app-bridge-react";
import { Badge, Banner, BlockStack, Box, Button, Card, DataTable, InlineGrid, Layout, Page, Text } from "@shopify/polaris";
import { useEffect, useState } from "react";
import prisma from "~/db.server";
import { requireOperator } from "~/lib/operator-auth.server";
import { queueCounts } from "~/lib/operator-queues.server";
import { refundAndRetryAction, type TriageResult } from "~/lib/operator-triage.server";
import { failedJobsThisWeek, jobsByStatus, purchasesToday, reconcileLedger } from "~/services/ops/queries.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const operator = await requireOperator(request);
  const [jobs, purchases, failed, ledger, queues] = await Promise.all([
    jobsByStatus(prisma),
    purchasesToday(prisma),
    failedJobsThisWeek(prisma),
    reconcileLedger(prisma),
    queueCounts(),
  ]);
  return {
    operator: { userId: operator.userId, shopDomain: operator.shopDomain, role: operator.role },
    jobs,
    purchases,
    failed: failed.map((f) => ({ ...f, completedAt: f.completedAt?.toISOString() ?? null })),
    ledger,
    queues,
  };
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const operator = await requireOperator(request);
  return refundAndRetryAction(operator, await request.formData());
};

const QUEUE_COLUMNS = ["waiting", "prioritized", "active", "delayed", "failed", "completed"] as const;

/** The dashboard's address keeps what Shopify's auth needs to authenticate its page load. */
function dashboardHref(search: string): string {
  const from = new URLSearchParams(search);
  const keep = new URLSearchParams();
  for (const key of ["shop", "host", "embedded"]) {
    const value = from.get(key);
    if (value) keep.set(key, value);
  }
  const query = keep.toString();
  return `/ops/queues/${query ? `?${query}` : ""}`;
}

/**
 * The dashboard is a full page load in this iframe, not a Remix navigation (it is a
 * resource route). It goes with a fresh session token, as admin itself loads the app;
 * without one, the auth library's bounce page would fetch one first.
 */
function DashboardButton() {
  const shopify = useAppBridge();
  const href = dashboardHref(useLocation().search);
  const [opening, setOpening] = useState(false);
  const open = async () => {
    setOpening(true);
    const url = new URL(href, window.location.href);
    try {
      url.searchParams.set("id_token", await shopify.idToken());
    } catch {
      // Left to the bounce page.
    }
    window.location.assign(url.toString());
  };
  return (
    <Button loading={opening} onClick={() => void open()}>
      Open the queue dashboard
    </Button>
  );
}

type FailedJob = ReturnType<typeof useLoaderData<typeof loader>>["failed"][number];

function RefundAndRetry({ job }: { job: FailedJob }) {
  const shopify = useAppBridge();
  const fetcher = useFetcher<TriageResult>();
  const result = fetcher.data;
  useEffect(() => {
    if (result) shopify.toast.show(result.ok ? result.message : result.error, { isError: !result.ok });
  }, [result, shopify]);
  const retriedAs = job.retriedAs ?? (result?.ok ? result.retryJobId : null);
  if (retriedAs) {
    return (
      <Text as="span" tone="subdued">
        <span title={retriedAs}>{`Retried as ${retriedAs.slice(0, 8)}`}</span>
      </Text>
    );
  }
  return (
    <BlockStack gap="100">
      <fetcher.Form method="post">
        <input type="hidden" name="intent" value="refund-and-retry" />
        <input type="hidden" name="jobId" value={job.id} />
        {/* Disabled while in flight; the server makes a second click a replay anyway. */}
        <Button submit size="slim" loading={fetcher.state !== "idle"} disabled={fetcher.state !== "idle"}>
          Refund and retry
        </Button>
      </fetcher.Form>
      {result && !result.ok && (
        <Text as="span" tone="critical">
          {result.error}
        </Text>
      )}
    </BlockStack>
  );
}

function FailedJobs({ jobs }: { jobs: FailedJob[] }) {
  if (jobs.length === 0) return <Text as="p">No failed jobs in the last 7 days.</Text>;
  return (
    <DataTable
      columnContentTypes={["text", "text", "text", "numeric", "text", "text"]}
      headings={["Failed at", "Shop", "Error", "Credits", "Refund", ""]}
      rows={jobs.map((j) => [
        j.completedAt?.replace("T", " ").slice(0, 16) ?? "",
        j.shopDomain,
        `${j.errorCode ?? "error"}: ${j.errorMessage ?? ""}`,
        j.costCredits,
        j.refunded ? <Badge tone="success">Refunded</Badge> : <Badge tone="attention">Not refunded</Badge>,
        <RefundAndRetry key={j.id} job={j} />,
      ])}
    />
  );
}

export default function OpsHome() {
  const data = useLoaderData<typeof loader>();
  const statusRows = data.jobs.map((j) => [j.status, j.jobs]);
  return (
    <Page title="Operations" subtitle={`Staff user ${data.operator.userId} of ${data.operator.shopDomain} (${data.operator.role}). Every shop's data; every action is logged under your user id.`}>
      <Layout>
        <Layout.Section>
          <InlineGrid columns={{ xs: 1, md: 3 }} gap="400">
            <Card>
              <BlockStack gap="200">
                <Text as="h2" variant="headingMd">
                  Jobs by status
                </Text>
                {statusRows.length === 0 ? <Text as="p">No jobs yet.</Text> : <DataTable columnContentTypes={["text", "numeric"]} headings={["Status", "Jobs"]} rows={statusRows} />}
              </BlockStack>
            </Card>
            <Card>
              <BlockStack gap="200">
                <Text as="h2" variant="headingMd">
                  Purchases today
                </Text>
                <Text as="p" variant="headingXl" id="purchases-today">
                  {data.purchases.purchases}
                </Text>
                <Text as="p" tone="subdued">
                  {data.purchases.credits} credits since {data.purchases.since.slice(0, 10)} 00:00 UTC
                </Text>
              </BlockStack>
            </Card>
            <Card>
              <BlockStack gap="200">
                <Text as="h2" variant="headingMd">
                  Ledger reconciliation
                </Text>
                {data.ledger.discrepancies.length === 0 ? (
                  <Badge tone="success">{`${data.ledger.shops} shops: every balance equals its ledger`}</Badge>
                ) : (
                  <>
                    <Banner tone="critical">{`${data.ledger.discrepancies.length} shops' balances differ from their ledger.`}</Banner>
                    <DataTable
                      columnContentTypes={["text", "numeric", "numeric"]}
                      headings={["Shop", "Balance", "Ledger total"]}
                      rows={data.ledger.discrepancies.map((d) => [d.shopId, d.balance, d.ledgerTotal])}
                    />
                  </>
                )}
              </BlockStack>
            </Card>
          </InlineGrid>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                Queues
              </Text>
              <DataTable
                columnContentTypes={["text", ...QUEUE_COLUMNS.map(() => "numeric" as const)]}
                headings={["Queue", ...QUEUE_COLUMNS]}
                rows={data.queues.map((q) => [q.queue, ...QUEUE_COLUMNS.map((c) => (q.counts ? (q.counts[c] ?? 0) : "Redis unavailable"))])}
              />
              <Box>
                <DashboardButton />
              </Box>
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                Failed jobs this week
              </Text>
              <FailedJobs jobs={data.failed} />
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
