/** Base for every refusal of the ledger; carries a stable code for APIs and banners. */
export class CreditError extends Error {
  constructor(
    readonly code: "insufficient_credits" | "idempotency_conflict" | "shop_not_found" | "invalid_entry" | "job_already_charged" | "credits_owed",
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class InsufficientCreditsError extends CreditError {
  constructor(
    readonly balance: number,
    readonly required: number,
  ) {
    super("insufficient_credits", `This needs ${required} credits and the balance is ${balance}.`);
  }
}

export class IdempotencyConflictError extends CreditError {
  constructor(readonly key: string) {
    super("idempotency_conflict", `Idempotency key "${key}" was already used for a different operation.`);
  }
}

export class ShopNotFoundError extends CreditError {
  constructor(readonly shopId: string) {
    super("shop_not_found", `No shop ${shopId}.`);
  }
}

export class LedgerEntryError extends CreditError {
  constructor(message: string) {
    super("invalid_entry", message);
  }
}

export class JobAlreadyChargedError extends CreditError {
  constructor(readonly jobId: string) {
    super("job_already_charged", `Job ${jobId} already has this ledger entry under another key.`);
  }
}

/** A refunded or disputed purchase left credits owed: no new spending until a purchase settles them. */
export class CreditsOwedError extends CreditError {
  constructor(readonly owed: number) {
    super(
      "credits_owed",
      `${owed} credit${owed === 1 ? " is" : "s are"} owed from a refunded or disputed purchase. Buy a pack to settle ${owed === 1 ? "it" : "them"} before starting a shoot.`,
    );
  }
}
