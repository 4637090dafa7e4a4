// The local dashboard of `npm run dev`: the panels and alerts of src/observability/definitions.ts,
// evaluated (src/observability/evaluate.ts) over the telemetry the dev stack sends to Spotlight, served
// as one page on a loopback port that updates itself (Server-Sent Events on /events).
//
// The records live in this process's memory, newest MAX_RECORDS of each kind, until it stops.
import { readFileSync } from "node:fs";
import http from "node:http";
import { importTypeScript } from "../lib/doubles.mjs";
import { followSpotlight } from "./feed.mjs";
import { renderLive, renderPage } from "./render.mjs";

const MAX_RECORDS = 20_000;
/** Line charts: the smallest of these bucket sizes that covers the run in at most MAX_BUCKETS. */
const BUCKET_SIZES_MS = [10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000];
const MAX_BUCKETS = 30;
const MIN_BUCKETS = 6;
/** Windows slide even when nothing arrives: pages are refreshed this often anyway. */
const TICK_MS = 5_000;
/** Envelopes arriving together are rendered once, and pages are pushed at most this often. */
const BATCH_MS = 150;
const MIN_INTERVAL_MS = 1_000;

const asset = (name) => readFileSync(new URL(name, import.meta.url));
const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * src/observability's definitions and evaluator, bundled by esbuild into this Node process:
 * { PANELS, ALERTS, recordsFromEnvelope, evaluatePanel, evaluateAlert }.
 */
export async function loadObservability() {
  const [definitions, evaluate] = await Promise.all([
    importTypeScript("src/observability/definitions.ts"),
    importTypeScript("src/observability/evaluate.ts"),
  ]);
  return {
    PANELS: definitions.PANELS,
    ALERTS: definitions.ALERTS,
    recordsFromEnvelope: evaluate.recordsFromEnvelope,
    evaluatePanel: evaluate.evaluatePanel,
    evaluateAlert: evaluate.evaluateAlert,
  };
}

/** The bucket ends (ms) of a line chart over [since, now]: aligned to the bucket size, oldest first. */
export function bucketEnds(since, now) {
  const age = Math.max(now - since, 1);
  const size = BUCKET_SIZES_MS.find((ms) => ms * MAX_BUCKETS >= age) ?? BUCKET_SIZES_MS.at(-1);
  const count = Math.min(MAX_BUCKETS, Math.max(MIN_BUCKETS, Math.ceil(age / size) + 1));
  const last = Math.ceil(now / size) * size;
  return { size, ends: Array.from({ length: count }, (_, i) => last - (count - 1 - i) * size) };
}

/**
 * The records of each bucket (ending in (end - size, end]), sorted out in one pass, so that a line
 * chart's 30 evaluations each read one bucket rather than the whole run.
 */
export function splitIntoBuckets(records, { size, ends }) {
  const buckets = ends.map((end) => ({ end, size, records: { spans: [], metrics: [], logs: [] } }));
  for (const kind of ["spans", "metrics", "logs"]) {
    for (const record of records[kind]) {
      const index = Math.ceil((record.timestamp - ends[0]) / size);
      if (index >= 0 && index < buckets.length) buckets[index].records[kind].push(record);
    }
  }
  return buckets;
}

/**
 * Every panel and alert evaluated at `now`: panels over the whole run (from `since`), line panels also
 * per bucket; alerts over their own windows. What renderLive takes, minus the feed's status.
 */
export function evaluateAll(observability, records, since, now) {
  const { PANELS, ALERTS, evaluatePanel, evaluateAlert } = observability;
  const views = new Map();
  let buckets;
  for (const panel of PANELS) {
    // No window: every record up to now, i.e. the whole run.
    const view = { values: evaluatePanel(panel, records, now) };
    if (panel.display === "line") {
      buckets ??= splitIntoBuckets(records, bucketEnds(since, now));
      view.series = buckets.map(({ end, size, records: inBucket }) => ({
        end,
        values: evaluatePanel(panel, inBucket, end, size),
      }));
    }
    views.set(panel.id, view);
  }
  const alertStates = new Map(ALERTS.map((alert) => [alert.id, evaluateAlert(alert, records, now)]));
  return { panels: PANELS, alerts: ALERTS, views, alertStates, since, now };
}

/**
 * Starts the page server on `host:port` and follows `spotlight` (the sidecar's origin).
 * Returns { url, port, records, stop() }. `log(line)` gets the few things worth saying.
 */
export async function startDashboard({
  port,
  host = "127.0.0.1",
  spotlight,
  observability,
  log = () => {},
  clock = Date.now,
}) {
  const since = clock();
  const records = { spans: [], metrics: [], logs: [] };
  const counts = { envelopes: 0, unreadable: 0 };
  const feedStatus = { connected: false, source: `Spotlight (${spotlight})` };
  const clients = new Set();
  let pending;

  const snapshot = () => {
    const now = clock();
    const earliest = Math.min(
      since,
      records.spans[0]?.timestamp ?? since,
      records.metrics[0]?.timestamp ?? since,
      records.logs[0]?.timestamp ?? since,
    );
    return {
      ...evaluateAll(observability, records, earliest, now),
      feed: feedStatus,
      counts: {
        envelopes: counts.envelopes,
        spans: records.spans.length,
        metrics: records.metrics.length,
        logs: records.logs.length,
      },
    };
  };
  let lastBroadcast = 0;
  const broadcast = () => {
    pending = undefined;
    if (clients.size === 0) return;
    lastBroadcast = Date.now();
    let message;
    try {
      message = `event: state\ndata: ${JSON.stringify({ html: renderLive(snapshot()) })}\n\n`;
    } catch (error) {
      log(`could not evaluate the panels: ${error instanceof Error ? error.stack : String(error)}`);
      return;
    }
    for (const res of clients) res.write(message);
  };
  const changed = () => {
    pending ??= setTimeout(broadcast, Math.max(BATCH_MS, lastBroadcast + MIN_INTERVAL_MS - Date.now()));
  };

  const append = (target, items) => {
    for (const item of items) target.push(item);
    if (target.length > MAX_RECORDS) target.splice(0, target.length - MAX_RECORDS);
  };
  const feed = followSpotlight(spotlight, {
    onEnvelope: (envelope) => {
      counts.envelopes += 1;
      let found;
      try {
        found = observability.recordsFromEnvelope(envelope);
      } catch (error) {
        counts.unreadable += 1;
        if (counts.unreadable === 1)
          log(`an envelope could not be read: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
      append(records.spans, found.spans);
      append(records.metrics, found.metrics);
      append(records.logs, found.logs);
      changed();
    },
    onStatus: (status) => {
      if (status.connected === feedStatus.connected && status.error === feedStatus.error) return;
      feedStatus.connected = status.connected;
      feedStatus.error = status.error;
      changed();
    },
  });

  const styles = asset("page.css");
  const script = asset("page.js");
  const server = http.createServer((req, res) => {
    const headers = {
      // Nothing inline and nothing from elsewhere: the page is our markup, our script, our stylesheet.
      "content-security-policy":
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "cache-control": "no-store",
    };
    // Telemetry names users and clients: a page elsewhere that rebinds a hostname to 127.0.0.1 must
    // not read it.
    const hostname = (req.headers.host ?? "").replace(/:\d+$/, "");
    if (!LOOPBACK.has(hostname)) {
      res.writeHead(403, { ...headers, "content-type": "text/plain; charset=utf-8" });
      res.end("The dashboard answers only on localhost.\n");
      return;
    }
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { ...headers, allow: "GET, HEAD" });
      res.end();
    } else if (path === "/") {
      res.writeHead(200, { ...headers, "content-type": "text/html; charset=utf-8" });
      res.end(renderPage(snapshot()));
    } else if (path === "/app.js") {
      res.writeHead(200, { ...headers, "content-type": "text/javascript; charset=utf-8" });
      res.end(script);
    } else if (path === "/style.css") {
      res.writeHead(200, { ...headers, "content-type": "text/css; charset=utf-8" });
      res.end(styles);
    } else if (path === "/health") {
      res.writeHead(200, { ...headers, "content-type": "text/plain; charset=utf-8" });
      res.end("ok\n");
    } else if (path === "/favicon.ico") {
      res.writeHead(204, headers);
      res.end();
    } else if (path === "/events") {
      res.writeHead(200, { ...headers, "content-type": "text/event-stream" });
      res.write(": observable-mcp dashboard\n\n");
      clients.add(res);
      res.on("close", () => clients.delete(res));
      // Each new page gets the current state at once, not at the next change.
      changed();
    } else {
      res.writeHead(404, { ...headers, "content-type": "text/plain; charset=utf-8" });
      res.end("Not found.\n");
    }
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const tick = setInterval(changed, TICK_MS);
  tick.unref();
  const actualPort = server.address().port;
  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    records,
    stop: async () => {
      clearInterval(tick);
      clearTimeout(pending);
      await feed.stop();
      for (const res of clients) res.end();
      await new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
