import type { StandIn, StandInOptions } from "./common";
import { DEV_STANDIN_CREDENTIALS as DEV, type StandInProvider } from "./dev-config";
import { startFalStandIn } from "./fal";
import { startFashnStandIn } from "./fashn";
import { startHttpWorkerStandIn } from "./http-worker";
import { startReplicateStandIn } from "./replicate";

/** A provider's stand-in with the development credentials `standInEnv` hands the worker and app. */
export function startDevStandIn(provider: StandInProvider, options: StandInOptions): Promise<StandIn> {
  switch (provider) {
    case "fashn":
      return startFashnStandIn({ ...options, apiKey: DEV.fashnKey });
    case "fal":
      return startFalStandIn({ ...options, apiKey: DEV.falKey });
    case "replicate":
      return startReplicateStandIn({ ...options, apiToken: DEV.replicateToken, webhookSecret: DEV.replicateSecret });
    case "http":
      return startHttpWorkerStandIn({ ...options, token: DEV.gpuToken, secret: DEV.gpuSecret });
  }
}
