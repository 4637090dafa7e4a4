#!/usr/bin/env node
/**
 * What the deployed Worker bundle weighs, and what it is made of.
 *
 * Builds exactly what `npm run deploy` uploads (`wrangler deploy --dry-run --outdir`, so wrangler.jsonc's
 * minify and alias settings apply), then prints the gzipped total against the 560 KiB budget and a table
 * of bytes in the output by npm package (esbuild metafile). A cut is measured by the change in the total.
 *
 *   node scripts/bundle-report.mjs [--outdir DIR] [--save FILE] [--baseline FILE] [--top N]
 *
 * --save writes the numbers as JSON; --baseline adds a column with the change against such a file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildWorker, bundleBreakdown } from "./lib/bundle.mjs";

const BUDGET_GZIP_KIB = 560;
const { values: flags } = parseArgs({
  options: {
    outdir: { type: "string" },
    save: { type: "string" },
    baseline: { type: "string" },
    top: { type: "string", default: "30" },
  },
});

const kib = (bytes) => (bytes / 1024).toFixed(1);
const signed = (bytes) => (bytes > 0 ? "+" : "") + kib(bytes);

const work = flags.outdir ? undefined : mkdtempSync(join(tmpdir(), "bundle-report-"));
try {
  const outdir = flags.outdir ?? join(work, "dist");
  const build = await buildWorker(outdir, { metafile: join(outdir, "bundle-meta.json") });
  const report = bundleBreakdown(build);
  const baseline = flags.baseline ? JSON.parse(readFileSync(flags.baseline, "utf8")) : undefined;
  const before = new Map((baseline?.packages ?? []).map((row) => [row.name, row]));

  const { total } = report;
  const within = total.gzipBytes <= BUDGET_GZIP_KIB * 1024 ? "within" : "over";
  console.log(
    `bundle: ${kib(total.gzipBytes)} KiB gzipped (${total.gzipBytes} B, gzip -6), ${kib(total.rawBytes)} KiB raw;` +
      ` budget <= ${BUDGET_GZIP_KIB} KiB: ${within}` +
      (build.wranglerGzipKiB ? `; wrangler says ${build.wranglerGzipKiB} KiB` : "") +
      (baseline
        ? `; ${signed(total.gzipBytes - baseline.total.gzipBytes)} KiB gzipped against the baseline`
        : ""),
  );
  const rows = [["package", "KiB in output", "%", ...(baseline ? ["change"] : [])]];
  const names = new Set([...report.packages.map((row) => row.name), ...before.keys()]);
  const now = new Map(report.packages.map((row) => [row.name, row]));
  // Largest first, now or in the baseline, so a package a cut removed still shows.
  const weight = (name) => Math.max(now.get(name)?.rawBytes ?? 0, before.get(name)?.rawBytes ?? 0);
  const ordered = [...names].sort((a, b) => weight(b) - weight(a) || a.localeCompare(b));
  const top = Number(flags.top);
  for (const name of ordered.slice(0, top)) {
    const bytes = now.get(name)?.rawBytes ?? 0;
    const change = baseline ? [signed(bytes - (before.get(name)?.rawBytes ?? 0))] : [];
    rows.push([name, kib(bytes), ((bytes / total.rawBytes) * 100).toFixed(1), ...change]);
  }
  if (ordered.length > top) rows.push([`(${ordered.length - top} more)`, "", ""]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i] ?? "").length)));
  for (const row of rows) {
    console.log(
      row
        .map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i])))
        .join("  "),
    );
  }
  if (flags.save) writeFileSync(flags.save, `${JSON.stringify(report, null, 2)}\n`);
} finally {
  if (work) rmSync(work, { recursive: true, force: true });
}
