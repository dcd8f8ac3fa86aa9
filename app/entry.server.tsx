import { PassThrough } from "node:stream";
import { createReadableStreamFromReadable, type EntryContext } from "@remix-run/node";
import { RemixServer } from "@remix-run/react";
import { isbot } from "isbot";
import { renderToPipeableStream } from "react-dom/server";
import { appEnv } from "./env.server";
import { addDocumentResponseHeaders } from "./shopify.server";

export const streamTimeout = 5000;

/** Lets a local admin stand-in frame the app in development (refused in production by env). */
function allowDevFrameAncestors(headers: Headers, origins: string[]): void {
  const csp = headers.get("Content-Security-Policy");
  if (!csp || origins.length === 0) return;
  headers.set("Content-Security-Policy", csp.replace(/frame-ancestors ([^;]*);?/, (_m, list: string) => `frame-ancestors ${list} ${origins.join(" ")};`));
}

export default async function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
) {
  addDocumentResponseHeaders(request, responseHeaders);
  const env = appEnv();
  allowDevFrameAncestors(responseHeaders, env.DEV_FRAME_ANCESTORS);
  if (responseHeaders.has("Link")) responseHeaders.set("Link", `<${env.APP_BRIDGE_URL}>; rel="preload"; as="script";`);
  const userAgent = request.headers.get("user-agent");
  const callbackName = isbot(userAgent ?? "") ? "onAllReady" : "onShellReady";

  return new Promise((resolve, reject) => {
    const { pipe, abort } = renderToPipeableStream(<RemixServer context={remixContext} url={request.url} />, {
      [callbackName]: () => {
        const body = new PassThrough();
        const stream = createReadableStreamFromReadable(body);
        responseHeaders.set("Content-Type", "text/html");
        resolve(new Response(stream, { headers: responseHeaders, status: responseStatusCode }));
        pipe(body);
      },
      onShellError(error) {
        reject(error);
      },
      onError(error) {
        responseStatusCode = 500;
        console.error(error);
      },
    });
    setTimeout(abort, streamTimeout + 1000);
  });
}
