// The dashboard page's HTML, computed on the server from the panel and alert definitions
// (src/observability/definitions.ts) and their local evaluation (src/observability/evaluate.ts).
// Pure functions: no I/O, no clock. Every value that came from telemetry (tool names, client names,
// outcomes, numbers) goes through `escapeHtml` on its way into markup, SVG included, so the page can
// put the result in `innerHTML` as it is.

// Kept in step with the .c0 … .c7 swatch classes in page.css (the page's CSP allows no inline styles).
const PALETTE = ["#3b6fd8", "#d9622b", "#2f9e6b", "#9c4fd0", "#c9a227", "#d0457b", "#4aa6b8", "#7a7a7a"];
/** Line charts draw this many groups; the rest are summed up in the legend. */
const MAX_SERIES = 6;
/** Bar charts and tables show this many groups, largest first. */
const MAX_ROWS = 12;

/** Text for HTML text and attribute values (double- or single-quoted). */
export function escapeHtml(value) {
  return String(value)
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** A number in a panel's unit: "12.3 ms", "1.5 KB", "12.5%", "1,234". */
export function formatValue(value, unit) {
  if (typeof value !== "number" || Number.isNaN(value)) return "–";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "−∞";
  switch (unit) {
    case "ms":
      if (Math.abs(value) >= 1000) return `${trim(value / 1000, 2)} s`;
      return `${trim(value, Math.abs(value) < 10 ? 1 : 0)} ms`;
    case "bytes": {
      const abs = Math.abs(value);
      if (abs >= 1024 * 1024) return `${trim(value / (1024 * 1024), 1)} MB`;
      if (abs >= 1024) return `${trim(value / 1024, 1)} KB`;
      return `${Math.round(value)} B`;
    }
    case "ratio":
      return `${trim(value * 100, 1)}%`;
    case "tokens":
      return `${Math.round(value).toLocaleString("en-US")} tok`;
    default:
      return Number.isInteger(value) ? value.toLocaleString("en-US") : trim(value, 2);
  }
}

function trim(value, digits) {
  return Number(value.toFixed(digits)).toLocaleString("en-US", { maximumFractionDigits: digits });
}

/** "whoami", "claude · 1.2.0", or "all" for the single group of an ungrouped measure. */
export function groupLabel(group, groupBy) {
  const keys = groupBy.length > 0 ? groupBy : Object.keys(group);
  if (keys.length === 0) return "all";
  return keys
    .map((key) => (group[key] === undefined || group[key] === "" ? "(none)" : group[key]))
    .join(" · ");
}

/**
 * The unit an alert's value is in. Alerts carry no unit of their own in the contract, so it is read
 * from what they measure: a ratio, a duration, a size, tokens, or a count.
 */
export function alertUnit(alert) {
  if (typeof alert.unit === "string") return alert.unit;
  if (alert.measure.kind === "ratio") return "ratio";
  const { query } = alert.measure;
  const field = "field" in query.aggregate ? query.aggregate.field : "";
  const metricUnit = query.metric?.unit ?? "";
  if (field === "span.duration" || /^(milli)?seconds?$/.test(metricUnit))
    return metricUnit.startsWith("second") ? "s" : "ms";
  if (/byte/.test(metricUnit) || /bytes|size/.test(field) || /size|bytes/.test(query.metric?.name ?? ""))
    return "bytes";
  if (/token/.test(field) || /token/.test(query.metric?.name ?? "")) return "tokens";
  return "count";
}

/**
 * "> 5%", "> 2× earlier in this run". In Sentry a relative alert compares with the same window a week
 * (or day) earlier; a dev run has no such history, so the page's evaluator compares with everything the
 * run recorded before the window (src/observability/evaluate.ts), and says so.
 */
export function describeCondition(condition, unit) {
  if (condition.kind === "threshold") return `${condition.op} ${formatValue(condition.value, unit)}`;
  return `> ${condition.factor}× earlier in this run`;
}

/** Sorted largest first; a stable order for equal values so rows do not jump between updates. */
function byValue(values) {
  return [...values].sort((a, b) => b.value - a.value || a.label.localeCompare(b.label));
}

function labelled(values, groupBy) {
  return values.map((value) => ({ ...value, label: groupLabel(value.group, groupBy) }));
}

// ---- charts -----------------------------------------------------------------------------------

/** Horizontal bars, one per group. */
export function barChart(values, unit) {
  if (values.length === 0) return empty();
  const rows = byValue(values).slice(0, MAX_ROWS);
  const max = Math.max(...rows.map((row) => row.value), 0) || 1;
  const rowHeight = 22;
  const width = 460;
  const labelWidth = 150;
  const valueWidth = 80;
  const barSpace = width - labelWidth - valueWidth;
  const height = rows.length * rowHeight + 4;
  const bars = rows.map((row, i) => {
    const y = i * rowHeight + 2;
    const barWidth = Math.max(row.value > 0 ? 2 : 0, (row.value / max) * barSpace);
    return `<g class="row" data-group="${escapeHtml(row.label)}" data-value="${escapeHtml(row.value)}" data-samples="${escapeHtml(row.samples)}">
<title>${escapeHtml(`${row.label}: ${formatValue(row.value, unit)} (${row.samples} samples)`)}</title>
<text x="${labelWidth - 6}" y="${y + 15}" text-anchor="end" class="label">${escapeHtml(clip(row.label, 22))}</text>
<rect x="${labelWidth}" y="${y + 3}" width="${barWidth.toFixed(1)}" height="${rowHeight - 6}" rx="2" fill="${PALETTE[i % PALETTE.length]}"/>
<text x="${(labelWidth + barWidth + 6).toFixed(1)}" y="${y + 15}" class="value">${escapeHtml(formatValue(row.value, unit))}</text>
</g>`;
  });
  return `<svg class="chart bar" viewBox="0 0 ${width} ${height}" role="img" aria-label="bar chart">${bars.join("")}</svg>`;
}

/**
 * Lines over time, one per group. `series` is [{ end, values: GroupValue[] }] in time order, each the
 * panel evaluated over the bucket ending at `end`; `totals` (the whole range) orders the legend.
 */
export function lineChart(series, totals, unit, groupBy) {
  const groups = byValue(labelled(totals, groupBy));
  if (groups.length === 0 || series.length === 0) return empty();
  const shown = groups.slice(0, MAX_SERIES);
  const width = 460;
  const height = 150;
  const left = 54;
  const right = 8;
  const top = 8;
  const bottom = 20;
  const first = series[0].end;
  const last = series[series.length - 1].end;
  const span = Math.max(last - first, 1);
  let max = 0;
  for (const point of series) for (const value of point.values) max = Math.max(max, value.value);
  max = max || 1;
  const x = (end) => left + ((end - first) / span) * (width - left - right);
  const y = (value) => top + (1 - value / max) * (height - top - bottom);
  const lines = shown.map((group, i) => {
    const points = [];
    for (const point of series) {
      const found = point.values.find((value) => groupLabel(value.group, groupBy) === group.label);
      // A bucket without samples is a gap for averages and percentiles, and zero for counts and sums.
      if (found && found.samples > 0) points.push([x(point.end), y(found.value)]);
      else if (unit === "count" || unit === "tokens" || unit === "bytes") points.push([x(point.end), y(0)]);
    }
    const color = PALETTE[i % PALETTE.length];
    const path = points.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(" ");
    const dots =
      points.length === 1
        ? `<circle cx="${points[0][0].toFixed(1)}" cy="${points[0][1].toFixed(1)}" r="3" fill="${color}"/>`
        : "";
    return `<g class="series" data-series="${escapeHtml(group.label)}"><polyline fill="none" stroke="${color}" stroke-width="2" points="${path}"/>${dots}</g>`;
  });
  const axis = `<line x1="${left}" y1="${height - bottom}" x2="${width - right}" y2="${height - bottom}" class="axis"/>
<line x1="${left}" y1="${top}" x2="${left}" y2="${height - bottom}" class="axis"/>
<text x="${left - 4}" y="${top + 8}" text-anchor="end" class="tick">${escapeHtml(formatValue(max, unit))}</text>
<text x="${left - 4}" y="${height - bottom}" text-anchor="end" class="tick">0</text>
<text x="${left}" y="${height - 4}" class="tick">${escapeHtml(clock(first))}</text>
<text x="${width - right}" y="${height - 4}" text-anchor="end" class="tick">${escapeHtml(clock(last))}</text>`;
  const legend = groups.map(
    (group, i) =>
      `<li data-group="${escapeHtml(group.label)}" data-value="${escapeHtml(group.value)}" data-samples="${escapeHtml(group.samples)}" title="${escapeHtml(`${group.samples} samples`)}"><span class="swatch${i < MAX_SERIES ? ` c${i % PALETTE.length}` : ""}"></span>${escapeHtml(group.label)} <b>${escapeHtml(formatValue(group.value, unit))}</b></li>`,
  );
  return `<svg class="chart line" viewBox="0 0 ${width} ${height}" role="img" aria-label="line chart">${axis}${lines.join("")}</svg><ul class="legend">${legend.join("")}</ul>`;
}

function table(values, unit, groupBy) {
  if (values.length === 0) return empty();
  const rows = byValue(values).slice(0, MAX_ROWS);
  const heads = (groupBy.length > 0 ? groupBy : ["group"]).map((key) => `<th>${escapeHtml(key)}</th>`);
  const body = rows.map((row) => {
    const cells = (groupBy.length > 0 ? groupBy : [null]).map((key) => {
      const text = key === null ? row.label : (row.group[key] ?? "(none)");
      return `<td class="text" title="${escapeHtml(text)}">${escapeHtml(text)}</td>`;
    });
    return `<tr data-group="${escapeHtml(row.label)}" data-value="${escapeHtml(row.value)}" data-samples="${escapeHtml(row.samples)}">${cells.join("")}<td class="num">${escapeHtml(formatValue(row.value, unit))}</td><td class="num muted">${escapeHtml(row.samples)}</td></tr>`;
  });
  return `<table><thead><tr>${heads.join("")}<th class="num">value</th><th class="num">samples</th></tr></thead><tbody>${body.join("")}</tbody></table>`;
}

function bigNumber(values, unit) {
  if (values.length === 0) return empty();
  const rows = byValue(values);
  const [main, ...rest] = rows;
  const others = rest
    .slice(0, MAX_ROWS)
    .map(
      (row) =>
        `<li data-group="${escapeHtml(row.label)}" data-value="${escapeHtml(row.value)}" data-samples="${escapeHtml(row.samples)}">${escapeHtml(row.label)} <b>${escapeHtml(formatValue(row.value, unit))}</b></li>`,
    );
  return `<div class="big" data-group="${escapeHtml(main.label)}" data-value="${escapeHtml(main.value)}" data-samples="${escapeHtml(main.samples)}">${escapeHtml(formatValue(main.value, unit))}<span class="muted"> ${escapeHtml(main.samples)} samples</span></div>${others.length > 0 ? `<ul class="legend">${others.join("")}</ul>` : ""}`;
}

function empty() {
  return `<p class="empty">No data yet: call a tool.</p>`;
}

/** Descriptions go on to say how sampling affects them: the card shows the first sentence, the tooltip all. */
export function firstSentence(text) {
  const end = /[.!?](\s|$)/.exec(text);
  return end ? text.slice(0, end.index + 1) : text;
}

function clip(text, length) {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

/** HH:MM:SS in UTC, so the page and the Worker's log lines agree whatever the browser's zone. */
export function clock(ms) {
  return new Date(ms).toISOString().slice(11, 19);
}

// ---- the page ---------------------------------------------------------------------------------

/**
 * One panel's card. `view` is { values: GroupValue[], series?: [{ end, values }] } as computed by
 * the server: `values` over the whole session, `series` for line panels.
 */
export function renderPanel(panel, view) {
  const values = labelled(view.values, panel.groupBy);
  let body;
  if (panel.display === "line") body = lineChart(view.series ?? [], view.values, panel.unit, panel.groupBy);
  else if (panel.display === "bar") body = barChart(values, panel.unit);
  else if (panel.display === "big_number") body = bigNumber(values, panel.unit);
  else body = table(values, panel.unit, panel.groupBy);
  const grouping = panel.groupBy.length > 0 ? `by ${panel.groupBy.join(", ")}` : "";
  return `<section class="panel" data-panel="${escapeHtml(panel.id)}" data-display="${escapeHtml(panel.display)}">
<h3>${escapeHtml(panel.title)}</h3>
<p class="muted" title="${escapeHtml(panel.description)}">${escapeHtml(firstSentence(panel.description))}${grouping ? ` <span class="grouping">${escapeHtml(grouping)}</span>` : ""}</p>
${body}
</section>`;
}

/**
 * The alerts' table: one row per alert, firing ones first, with each group's current value (firing
 * groups first, then the largest). A group with fewer samples than the alert's minSamples cannot fire
 * and is shown faded.
 */
export function renderAlerts(alerts, states) {
  const rows = [];
  let firing = 0;
  for (const alert of alerts) {
    const unit = alertUnit(alert);
    const found = labelled(states.get(alert.id) ?? [], alert.groupBy).sort(
      (a, b) => Number(b.firing) - Number(a.firing) || b.value - a.value || a.label.localeCompare(b.label),
    );
    const fired = found.filter((state) => state.firing).length;
    firing += fired;
    const state = fired > 0 ? "firing" : found.length > 0 ? "ok" : "no-data";
    const badge = { firing: ["on", "FIRING"], ok: ["off", "ok"], "no-data": ["nodata", "no data"] }[state];
    const minSamples = alert.minSamples ?? 0;
    const groups = found.map((group) => {
      const few = group.samples < minSamples;
      const baseline = Number.isFinite(group.threshold)
        ? `, fires above ${formatValue(group.threshold, unit)}`
        : "";
      const note =
        alert.condition.kind === "relative" && !Number.isFinite(group.threshold) ? ", no baseline yet" : "";
      const title = `${group.samples} samples${few ? ` (fewer than ${minSamples}: cannot fire)` : ""}${alert.condition.kind === "relative" ? baseline : ""}${note}`;
      return `<span class="g${group.firing ? " on" : ""}${few ? " few" : ""}" data-group="${escapeHtml(group.label)}" data-state="${group.firing ? "firing" : "ok"}" data-value="${escapeHtml(group.value)}" data-samples="${escapeHtml(group.samples)}" title="${escapeHtml(title)}">${escapeHtml(group.label)} <b>${escapeHtml(formatValue(group.value, unit))}</b></span>`;
    });
    rows.push({
      fired,
      html: `<tr class="${state}" data-alert="${escapeHtml(alert.id)}" data-state="${state}"><td><span class="state ${badge[0]}">${badge[1]}</span></td><td title="${escapeHtml(alert.description)}">${escapeHtml(alert.name)}</td><td class="groups">${groups.length > 0 ? groups.join(" ") : '<span class="muted">nothing in the window</span>'}</td><td class="num muted">${escapeHtml(describeCondition(alert.condition, unit))}</td><td class="num muted">${escapeHtml(alert.window)}${minSamples > 1 ? ` · min ${minSamples}` : ""}</td></tr>`,
    });
  }
  rows.sort((a, b) => Number(b.fired > 0) - Number(a.fired > 0));
  return `<section class="alerts" data-firing="${firing}">
<h2>Alerts <span class="muted">${firing === 0 ? "none firing" : `${firing} firing`}</span></h2>
<table><thead><tr><th>state</th><th>alert</th><th>now, per group</th><th class="num">fires when</th><th class="num">window</th></tr></thead>
<tbody>${rows.map((row) => row.html).join("")}</tbody></table>
</section>`;
}

/**
 * The live part of the page (what the server pushes on every change). `state` is
 * { panels, alerts, views: Map<panelId, view>, alertStates: Map<alertId, AlertState[]>,
 *   feed: { connected, source, error? }, counts: { envelopes, spans, metrics, logs }, since, now }.
 */
export function renderLive(state) {
  const { feed, counts } = state;
  const status = feed.connected
    ? `<span class="dot on"></span>live from ${escapeHtml(feed.source)}`
    : `<span class="dot off"></span>not connected to ${escapeHtml(feed.source)}${feed.error ? `: ${escapeHtml(feed.error)}` : ""}`;
  const summary = `${counts.spans} spans, ${counts.metrics} metrics, ${counts.logs} logs from ${counts.envelopes} envelopes since ${clock(state.since)} UTC; updated ${clock(state.now)}`;
  const panels = state.panels.map((panel) => renderPanel(panel, state.views.get(panel.id) ?? { values: [] }));
  return `<p class="status" data-envelopes="${counts.envelopes}" data-spans="${counts.spans}">${status} · ${escapeHtml(summary)}</p>
${renderAlerts(state.alerts, state.alertStates)}
<h2>Panels</h2>
<div class="grid">${panels.join("\n")}</div>`;
}

/** The whole document; its script swaps in each `renderLive` the server pushes. */
export function renderPage(state) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>observable-mcp · local dashboard</title>
<link rel="stylesheet" href="/style.css">
<script src="/app.js" defer></script>
</head>
<body>
<header><h1>observable-mcp <span class="muted">local dashboard</span></h1>
<p class="muted">The panels and alerts of <code>src/observability/definitions.ts</code>, computed from what the dev stack sends to Spotlight. Panels cover this run; each alert its own window, and a group with fewer calls than its minimum (faded) cannot fire. Hover a value for its sample count.</p></header>
<main id="live">${renderLive(state)}</main>
</body>
</html>
`;
}
