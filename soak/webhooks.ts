import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { PrismaClient } from "@prisma/client";
import { Job, type Queue } from "bullmq";
import { falWebhookVerifier } from "../app/services/providers/fal-webhook.server";
import { acceptProviderWebhook } from "../app/services/providers/webhook-intake.server";
import { withTimeout } from "./util";

export interface WebhookIntake {
  url: string;
  /** Answers by outcome: "woke", an ignored reason, or an HTTP status for failures. */
  readonly answers: Record<string, number>;
  close(): Promise<void>;
}

/**
 * The app's provider webhook route, served by the driver: the same intake (job token,
 * fal's Ed25519 signature against the stand-in's JWKS, match to the job) and the same
 * wake-up (promote the delayed BullMQ job). A wake that cannot reach Redis answers 500
 * and the provider's delivery is lost, which polling must cover.
 */
export async function startWebhookIntake(p: { db: PrismaClient; secret: string; jwksUrl: string; queue: Queue }): Promise<WebhookIntake> {
  const answers: Record<string, number> = {};
  const count = (key: string) => (answers[key] = (answers[key] ?? 0) + 1);
  const verifier = falWebhookVerifier({ jwksUrl: p.jwksUrl });
  const wake = async (ids: string[]) => {
    for (const id of ids) {
      await withTimeout(
        (async () => {
          const job = await Job.fromId(p.queue, id);
          if (job && (await job.isDelayed())) await job.promote();
        })(),
        3_000,
      );
    }
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const provider = url.pathname.split("/").pop() ?? "";
      const headers = new Headers(Object.entries(req.headers).flatMap(([k, v]) => (typeof v === "string" ? [[k, v] as [string, string]] : [])));
      acceptProviderWebhook({ db: p.db, secret: p.secret, wake, verifiers: { fal: (w) => verifier.verify(w) } }, provider, url, {
        body: Buffer.concat(chunks).toString("utf8"),
        headers,
      }).then(
        (answer) => {
          count(answer.status !== 200 ? `http_${answer.status}` : "ignored" in answer.body && answer.body.ignored ? `ignored: ${answer.body.ignored}` : "woke");
          res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
        },
        () => {
          count("http_500");
          res.writeHead(500, { "content-type": "application/json" }).end('{"error":"internal"}');
        },
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answers,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
