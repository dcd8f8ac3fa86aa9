import { inject, describe, expect, it } from "vitest";
import { parseSoakConfig } from "../../soak/config";
import { formatReport } from "../../soak/report";
import { runSoak } from "../../soak/soak";

// The soak's short form: a few shops for about a minute, with every fault kind still
// happening at least once (workers SIGKILLed, a connection storm, a Redis restart, the
// provider's 429s, 500s, hangs, failed results and lost and doubled webhooks).

describe("soak, short form", () => {
  it("keeps every invariant through worker kills, a connection storm, a Redis restart and provider faults", { timeout: 420_000 }, async () => {
    const config = parseSoakConfig(["--shops", "3", "--duration", "60", "--seed", "11", "--kill-every", "5", "--storm-every", "25", "--max-shoots", "25", "--drain-timeout", "150"], {});
    const report = await runSoak(config, { baseDatabaseUrl: inject("baseDatabaseUrl") });
    const text = formatReport(report);
    // The whole report on failure: it names every offender.
    expect(report.violations, text).toBe(0);
    expect(report.checks.every((c) => c.violations.length === 0), text).toBe(true);

    expect(report.faults.workerKills, text).toBeGreaterThanOrEqual(5);
    expect(report.faults.storms, text).toBeGreaterThanOrEqual(1);
    expect(report.faults.connectionsCut, text).toBeGreaterThan(0);
    expect(report.faults.redisRestarts, text).toBe(1);
    for (const scenario of ["rate_limited", "server_error", "hang", "provider_error", "no_webhook", "duplicate_webhook"]) {
      expect(report.providerScenarios[scenario] ?? 0, `${scenario}\n${text}`).toBeGreaterThan(0);
    }
    // Webhooks, doubled ones included, went through the real intake.
    expect(report.webhooks.woke ?? 0, text).toBeGreaterThan(10);

    expect(report.model.jobs, text).toBeGreaterThan(20);
    expect(report.jobStates.completed ?? 0, text).toBeGreaterThan(10);
    expect((report.jobStates.failed ?? 0) + (report.jobStates.cancelled ?? 0), text).toBeGreaterThan(0);
    expect(report.traffic.actions["pack bought"] ?? 0, text).toBeGreaterThan(0);
    expect(report.publicationStates.ready ?? 0, text).toBeGreaterThan(0);
    expect(report.latency.jobs).toBe(report.jobStates.completed);
    expect(report.latency.ownMs.p50).toBeLessThanOrEqual(report.latency.endToEndMs.p50);
  });
});

describe("soak options", () => {
  it("takes flags over SOAK_* variables over defaults, and refuses unknown or bad ones", () => {
    expect(parseSoakConfig([], {})).toMatchObject({ shops: 20, seed: 1, workers: 2 });
    expect(parseSoakConfig(["--shops=4", "--seed", "9"], { SOAK_SHOPS: "7", SOAK_DURATION_S: "30" })).toMatchObject({ shops: 4, seed: 9, durationS: 30 });
    expect(() => parseSoakConfig(["--shop", "4"], {})).toThrow(/unknown option --shop/);
    expect(() => parseSoakConfig(["--shops", "0"], {})).toThrow(/bad soak options/);
  });
});
