import type { Options } from "@sentry/core";

type Sampler = NonNullable<Options["tracesSampler"]>;

/**
 * Parses per-tool sample rates, `"search_issues=0.1, whoami=0"`. Throws with the offending entry, so
 * a typo in configuration fails loudly instead of sampling everything.
 */
export function parseToolRates(value: string | undefined): Map<string, number> {
  const rates = new Map<string, number>();
  for (const entry of (value ?? "").split(",")) {
    const trimmed = entry.trim();
    if (trimmed === "") continue;
    const match = /^([a-z][a-z0-9_]*)\s*=\s*([0-9.]+)$/.exec(trimmed);
    const rate = Number(match?.[2]);
    if (!match?.[1] || !Number.isFinite(rate) || rate < 0 || rate > 1) {
      throw new Error(
        `SENTRY_TOOL_SAMPLE_RATES entry "${trimmed}" must look like tool_name=0.25 (a rate from 0 to 1).`,
      );
    }
    rates.set(match[1], rate);
  }
  return rates;
}

/**
 * The sampling policy: a caller's sampled flag is obeyed (so one agent-to-GitHub trace is whole or
 * absent), then a per-tool rate, then the default. Errors are never sampled away: they are events,
 * not spans.
 */
export function createTracesSampler(defaultRate: number, toolRates: ReadonlyMap<string, number>): Sampler {
  return (context) => {
    if (context.parentSampled !== undefined) return context.parentSampled;
    const tool = context.attributes?.["gen_ai.tool.name"];
    if (typeof tool === "string") {
      const rate = toolRates.get(tool);
      if (rate !== undefined) return rate;
    }
    return defaultRate;
  };
}
