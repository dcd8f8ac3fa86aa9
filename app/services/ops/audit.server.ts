import type { Operator } from "./operator.server";

/** Where operator actions are written; the app passes its pino logger. */
export interface AuditLog {
  info(fields: object, message: string): void;
}

/**
 * Every change an operator makes is logged with who made it (staff user id, and the
 * shop they signed in through), so a merchant's question "who touched my account"
 * has an answer.
 */
export function auditOperatorAction(log: AuditLog, operator: Operator, action: string, detail: Record<string, unknown>): void {
  log.info(
    { audit: "operator", action, operator: { userId: operator.userId, shopId: operator.shopId, shopDomain: operator.shopDomain, role: operator.role }, ...detail },
    `operator ${action}`,
  );
}
