// The dev dashboard (scripts/dashboard): its pure parts (escaping, units, the Server-Sent Events parser,
// chart buckets) and the page server fed by the real Spotlight sidecar, with the real definitions and
// evaluator (src/observability). The browser half is `npm run e2e -- --only dashboard`.
import { join } from "node:path";
import { createEnvelope, serializeEnvelope } from "@sentry/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSseParser, envelopeFromEvent, followSpotlight } from "../../scripts/dashboard/feed.mjs";
import {
  barChart,
  escapeHtml,
  formatValue,
  renderAlerts,
  renderLive,
} from "../../scripts/dashboard/render.mjs";
import { bucketEnds, loadObservability, startDashboard } from "../../scripts/dashboard/server.mjs";
import { freePort, waitForHttp } from "../../scripts/lib/http.mjs";
import { startChild } from "../../scripts/lib/processes.mjs";
import { ROOT } from "../../scripts/lib/stack.mjs";

const HOSTILE = `"><img src=x onerror="alert(1)">'<script>alert(2)</script>&amp;`;

describe("rendering", () => {
  it("escapes text and both kinds of attribute quotes", () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
    );
  });

  it("formats each panel unit", () => {
    expect(formatValue(4.26, "ms")).toBe("4.3 ms");
    expect(formatValue(312.4, "ms")).toBe("312 ms");
    expect(formatValue(1534, "ms")).toBe("1.53 s");
    expect(formatValue(900, "bytes")).toBe("900 B");
    expect(formatValue(24_576, "bytes")).toBe("24 KB");
    expect(formatValue(5 * 1024 * 1024, "bytes")).toBe("5 MB");
    expect(formatValue(0.125, "ratio")).toBe("12.5%");
    expect(formatValue(0.5, "ratio")).toBe("50%");
    expect(formatValue(1 / 6, "ratio")).toBe("16.7%");
    expect(formatValue(12_345.6, "tokens")).toBe("12,346 tok");
    expect(formatValue(3, "count")).toBe("3");
    expect(formatValue(Number.NaN, "count")).toBe("–");
  });

  it("never lets a value from telemetry into the markup unescaped, in any display or the alerts", () => {
    const group = { "mcp.client.version": HOSTILE };
    const value = { group, value: 3, samples: 3 };
    const measure = { kind: "single", query: { dataset: "spans", aggregate: { fn: "count" }, filters: [] } };
    const panels = ["line", "bar", "table", "big_number"].map((display) => ({
      id: `p-${display}`,
      title: `title ${HOSTILE}`,
      description: `description ${HOSTILE}`,
      display,
      unit: "count",
      measure,
      groupBy: ["mcp.client.version"],
    }));
    const alert = {
      id: "a",
      name: `alert ${HOSTILE}`,
      description: HOSTILE,
      measure,
      groupBy: ["mcp.client.version"],
      condition: { kind: "threshold", op: ">", value: 1 },
      window: "1h",
    };
    const views = new Map(
      panels.map((panel) => [panel.id, { values: [value], series: [{ end: 1_000, values: [value] }] }]),
    );
    const html = renderLive({
      panels,
      alerts: [alert],
      views,
      alertStates: new Map([["a", [{ ...value, firing: true, threshold: 1 }]]]),
      feed: { connected: false, source: "Spotlight", error: HOSTILE },
      counts: { envelopes: 1, spans: 1, metrics: 0, logs: 0 },
      since: 0,
      now: 1_000,
    });
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<script");
    expect(html).not.toContain(`"alert(1)"`);
    // Each display, the alert row and the status line show the value, escaped.
    const escaped = escapeHtml(HOSTILE);
    for (const panel of panels) {
      const section = html.slice(html.indexOf(`data-panel="${panel.id}"`));
      expect(section.slice(0, section.indexOf("</section>"))).toContain(escaped);
    }
    expect(html.slice(html.indexOf('data-alert="a"'))).toContain(escaped);
    expect(html.slice(0, html.indexOf("</p>"))).toContain(escaped);
  });

  it("draws bars in proportion, largest first, with the value", () => {
    const svg = barChart(
      [
        { group: {}, label: "small", value: 1, samples: 1 },
        { group: {}, label: "large", value: 4, samples: 4 },
      ],
      "count",
    );
    expect(svg.indexOf('data-group="large"')).toBeLessThan(svg.indexOf('data-group="small"'));
    const widths = [...svg.matchAll(/<rect [^>]*width="([\d.]+)"/g)].map((match) => Number(match[1]));
    expect(widths[0] / widths[1]).toBeCloseTo(4, 5);
  });
});

describe("the alerts table", () => {
  const spans = { dataset: "spans", filters: [] };
  const ratio = {
    kind: "ratio",
    numerator: {
      ...spans,
      aggregate: { fn: "count_if", field: "mcp.outcome", op: "equals", value: "tool_error" },
    },
    denominator: { ...spans, aggregate: { fn: "count" } },
  };
  const p95 = { kind: "single", query: { ...spans, aggregate: { fn: "p95", field: "span.duration" } } };
  const alerts = [
    {
      id: "quiet",
      name: "quiet",
      description: "",
      measure: ratio,
      groupBy: ["gen_ai.tool.name"],
      condition: { kind: "threshold", op: ">", value: 0.05 },
      window: "1h",
    },
    {
      id: "regression",
      name: "regression",
      description: "",
      measure: p95,
      groupBy: ["gen_ai.tool.name"],
      condition: { kind: "relative", factor: 2, comparison: "1w" },
      window: "1h",
      minSamples: 5,
    },
    {
      id: "errors",
      name: "errors",
      description: "",
      measure: ratio,
      groupBy: ["gen_ai.tool.name"],
      condition: { kind: "threshold", op: ">", value: 0.05 },
      window: "10m",
      minSamples: 5,
    },
  ];
  const tool = (name, value, samples, firing, threshold) => ({
    group: { "gen_ai.tool.name": name },
    value,
    samples,
    firing,
    threshold,
  });
  const html = renderAlerts(
    alerts,
    new Map([
      [
        "regression",
        [tool("get_issue", 153, 6, false, Number.NaN), tool("whoami", 60, 2, false, Number.NaN)],
      ],
      ["errors", [tool("whoami", 0, 6, false, 0.05), tool("get_issue", 0.2, 10, true, 0.05)]],
    ]),
  );
  const row = (id) => {
    const start = html.indexOf(`data-alert="${id}"`);
    return html.slice(start, html.indexOf("</tr>", start));
  };

  it("puts firing alerts first, and a firing group first within its row, in the unit of the measure", () => {
    expect(html.indexOf('data-alert="errors"')).toBeLessThan(html.indexOf('data-alert="quiet"'));
    expect(html).toContain('data-firing="1"');
    expect(row("errors")).toMatch(/data-state="firing".*FIRING/);
    expect(row("errors").indexOf('data-group="get_issue"')).toBeLessThan(
      row("errors").indexOf('data-group="whoami"'),
    );
    expect(row("errors")).toContain("<b>20%</b>");
    expect(row("regression")).toContain("<b>153 ms</b>");
  });

  it("says which groups cannot fire yet, which have no baseline, and which alerts have no data", () => {
    expect(row("regression")).toMatch(
      /class="g few" data-group="whoami"[^>]*title="2 samples \(fewer than 5: cannot fire\), no baseline yet"/,
    );
    expect(row("regression")).toMatch(
      /class="g" data-group="get_issue"[^>]*title="6 samples, no baseline yet"/,
    );
    expect(row("quiet")).toContain('data-state="no-data"');
    expect(row("quiet")).toContain("nothing in the window");
  });
});

describe("line chart buckets", () => {
  it("covers the run with aligned buckets, at least 6 and at most 30", () => {
    const short = bucketEnds(1_000_000, 1_040_000);
    expect(short.size).toBe(10_000);
    expect(short.ends).toHaveLength(6);
    expect(short.ends.at(-1)).toBe(1_040_000);
    const long = bucketEnds(0, 3 * 3_600_000 + 1);
    expect(long.ends.length).toBeLessThanOrEqual(30);
    expect(long.ends.at(-1) - long.ends[0]).toBeGreaterThanOrEqual(3 * 3_600_000 - long.size);
    for (const end of long.ends) expect(end % long.size).toBe(0);
  });
});

describe("the Server-Sent Events parser", () => {
  it("reads events split anywhere, CRLF and CR line ends, comments, ids and multi-line data", () => {
    const stream =
      ': hello\r\n\r\nevent: application/x-sentry-envelope\r\nid: 1\r\ndata: [{"a":1},\r\ndata: []]\r\n\r\nevent: other\rdata: x\r\r\n';
    const parser = createSseParser();
    const events = [];
    for (const char of stream) events.push(...parser.push(char));
    expect(events).toEqual([
      { event: "application/x-sentry-envelope", id: "1", data: '[{"a":1},\n[]]' },
      { event: "other", id: "1", data: "x" },
    ]);
    expect(envelopeFromEvent(events[0])).toEqual([{ a: 1 }, []]);
    expect(envelopeFromEvent(events[1])).toBeNull();
    expect(envelopeFromEvent({ event: "application/x-sentry-envelope", data: "{not json" })).toBeNull();
  });
});

// ---- against the real Spotlight sidecar -------------------------------------------------------

/** A transaction envelope as the Worker sends in Spotlight's static mode: one MCP span as its root. */
function transactionEnvelope(name, data) {
  const end = Date.now() / 1000;
  const transaction = {
    type: "transaction",
    transaction: name,
    start_timestamp: end - 0.012,
    timestamp: end,
    contexts: {
      trace: {
        op: "mcp.server",
        trace_id: "0af7651916cd43dd8448eb211c80319c",
        span_id: "b7ad6b7169203331",
        status: "ok",
        data: { "sentry.op": "mcp.server", ...data },
      },
    },
    spans: [],
  };
  return serializeEnvelope(
    createEnvelope({ sent_at: new Date().toISOString() }, [[{ type: "transaction" }, transaction]]),
  );
}

async function postToSpotlight(origin, body) {
  const response = await fetch(`${origin}/stream`, {
    method: "POST",
    headers: { "content-type": "application/x-sentry-envelope" },
    body,
  });
  expect(response.status).toBe(200);
}

/** Reads `url` as an event stream until `until(event)` holds; resolves with that event. */
async function readEvents(url, until) {
  const response = await fetch(url);
  const parser = createSseParser();
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body) {
      for (const event of parser.push(decoder.decode(chunk, { stream: true }))) {
        if (until(event)) return event;
      }
    }
  } finally {
    await response.body.cancel().catch(() => {});
  }
  throw new Error(`${url} ended first`);
}

describe("the page server, fed by the Spotlight sidecar", () => {
  let sidecar;
  let spotlight;
  let dashboard;
  let observability;

  beforeAll(async () => {
    const port = await freePort();
    spotlight = `http://localhost:${port}`;
    sidecar = startChild("spotlight", process.execPath, [join(ROOT, "scripts/spotlight.mjs"), String(port)], {
      cwd: ROOT,
    });
    await waitForHttp(`${spotlight}/health`, { timeoutMs: 30_000, isDead: sidecar.isDead });
    observability = await loadObservability();
    dashboard = await startDashboard({ port: 0, spotlight, observability });
  });

  afterAll(async () => {
    await dashboard?.stop();
    await sidecar?.stop();
  });

  it("follows the sidecar's stream: each envelope, parsed into @sentry/core's [headers, items] shape", async () => {
    const seen = [];
    let resolveFirst;
    const first = new Promise((resolve) => {
      resolveFirst = resolve;
    });
    const feed = followSpotlight(spotlight, {
      onEnvelope: (envelope) => {
        seen.push(envelope);
        resolveFirst();
      },
    });
    try {
      await postToSpotlight(
        spotlight,
        transactionEnvelope("tools/call whoami", { "gen_ai.tool.name": "whoami" }),
      );
      await first;
      const [headers, items] = seen[0];
      expect(typeof headers.sent_at).toBe("string");
      expect(items[0][0].type).toBe("transaction");
      expect(items[0][1].transaction).toBe("tools/call whoami");
      expect(items[0][1].contexts.trace.op).toBe("mcp.server");
    } finally {
      await feed.stop();
    }
  });

  it("pushes every panel and alert, computed from what reached the sidecar, escaped", async () => {
    const { PANELS, ALERTS } = observability;
    const span = {
      "mcp.method.name": "initialize",
      "client.family": "other",
      "mcp.client.name": "test",
      "mcp.client.version": HOSTILE.slice(0, 32),
      "mcp.transport": "streamable-http",
    };
    const tool = {
      "mcp.method.name": "tools/call",
      "gen_ai.tool.name": "get_issue",
      "mcp.outcome": "success",
      "client.family": "other",
      "mcp.transport": "streamable-http",
      "mcp.result.bytes": 2048,
      "mcp.tool.result.tokens_estimate": 500,
    };
    await postToSpotlight(spotlight, transactionEnvelope("initialize", span));
    await postToSpotlight(spotlight, transactionEnvelope("tools/call get_issue", tool));
    const event = await readEvents(
      `${dashboard.url}/events`,
      (candidate) => candidate.event === "state" && JSON.parse(candidate.data).html.includes("get_issue"),
    );
    const { html } = JSON.parse(event.data);
    for (const panel of PANELS) expect(html).toContain(`data-panel="${escapeHtml(panel.id)}"`);
    for (const alert of ALERTS) expect(html).toContain(`data-alert="${escapeHtml(alert.id)}"`);
    expect(html).toContain(escapeHtml(HOSTILE.slice(0, 32)));
    expect(html).not.toContain("<img");
    expect(dashboard.records.spans.some((record) => record.name === "tools/call get_issue")).toBe(true);

    const page = await fetch(dashboard.url);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    const text = await page.text();
    expect(text).toContain('<main id="live">');
    expect(text).toContain("get_issue");
  });

  it("answers only for a loopback Host (no DNS rebinding)", async () => {
    const { request } = await import("node:http");
    const status = await new Promise((resolve, reject) => {
      const req = request(`${dashboard.url}/`, { headers: { host: "rebound.example:80" } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(403);
  });
});
