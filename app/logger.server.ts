import pino from "pino";
import { appEnv } from "./env.server";

export const logger = pino({
  name: "atelier-app",
  level: appEnv().LOG_LEVEL,
  // Tokens and secrets never reach the logs.
  redact: ["req.headers.authorization", "accessToken", "*.accessToken", "headers.authorization", "token", "*.token"],
});
