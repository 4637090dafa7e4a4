// Measures src/telemetry/tokens.ts against real BPE tokenizers on test/fixtures/token-samples.json and
// times it on a 64 KB string.
//
//   node --experimental-strip-types scripts/measure-tokens.mjs
//
// gpt-tokenizer is resolved from TOKENIZER_DIR (a node_modules folder or the folder holding one; by
// default this project's), so it can be installed outside the project:
//   npm install --prefix /tmp/tok gpt-tokenizer@4.0.0
//   TOKENIZER_DIR=/tmp/tok node --experimental-strip-types scripts/measure-tokens.mjs
// If tokenx (a 2 kB estimator package) resolves from the same place, it is measured too, as a baseline.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { estimateTokens, TOKEN_ESTIMATOR } from "../src/telemetry/tokens.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const tokenizerDir = process.env.TOKENIZER_DIR ?? join(root, "node_modules");
// A require rooted at a file inside the folder searches both the folder and its node_modules.
const requireFrom = createRequire(join(tokenizerDir, "noop.js"));

let tokenizers;
try {
  tokenizers = [
    { name: "o200k_base", encode: requireFrom("gpt-tokenizer/encoding/o200k_base").encode },
    { name: "cl100k_base", encode: requireFrom("gpt-tokenizer/encoding/cl100k_base").encode },
  ];
} catch {
  console.error(
    `gpt-tokenizer is not installed in ${tokenizerDir}. Install it there, or elsewhere and point`,
  );
  console.error(
    "TOKENIZER_DIR at it: npm install --prefix /tmp/tok gpt-tokenizer@4.0.0; TOKENIZER_DIR=/tmp/tok",
  );
  process.exit(1);
}
const tokenizerVersion = requireFrom("gpt-tokenizer/package.json").version;

/** Categories that are text a tool, resource or prompt returns to the model: the accuracy target. */
const TOOL_OUTPUT = new Set([
  "whoami",
  "list_repositories",
  "search_issues",
  "get_issue",
  "create_issue",
  "error",
  "readme",
  "prompt",
]);

const samples = JSON.parse(readFileSync(join(root, "test/fixtures/token-samples.json"), "utf8"));
const categories = [...new Set(samples.map((sample) => sample.category))];

const estimators = [
  { name: `${TOKEN_ESTIMATOR.name} v${TOKEN_ESTIMATOR.version}`, estimate: estimateTokens },
];
try {
  const tokenx = await import(pathToFileURL(requireFrom.resolve("tokenx")).href);
  estimators.push({ name: "tokenx (baseline)", estimate: tokenx.estimateTokenCount });
} catch {
  // tokenx is optional: only a point of comparison
}

const counts = new Map();
function realCount(tokenizer, text) {
  const key = `${tokenizer.name}\u0000${text}`;
  let count = counts.get(key);
  if (count === undefined) {
    count = tokenizer.encode(text).length;
    counts.set(key, count);
  }
  return count;
}

/** Percentage errors of one estimator against one tokenizer over some samples. */
function measure(estimator, tokenizer, subset) {
  let absolute = 0;
  let signed = 0;
  let worst = 0;
  let real = 0;
  let estimated = 0;
  for (const { text } of subset) {
    const actual = realCount(tokenizer, text);
    const estimate = estimator.estimate(text);
    const error = actual === 0 ? (estimate === 0 ? 0 : 1) : (estimate - actual) / actual;
    absolute += Math.abs(error);
    signed += error;
    if (Math.abs(error) > Math.abs(worst)) worst = error;
    real += actual;
    estimated += estimate;
  }
  return {
    n: subset.length,
    real,
    estimated,
    mape: (100 * absolute) / subset.length,
    bias: (100 * signed) / subset.length,
    worst: 100 * worst,
    volume: real === 0 ? 0 : (100 * (estimated - real)) / real,
  };
}

const percent = (value, signed) => `${signed && value >= 0 ? "+" : ""}${value.toFixed(1)}%`.padStart(8);
function row(label, m) {
  return [
    label.padEnd(22),
    String(m.n).padStart(4),
    String(m.real).padStart(8),
    String(m.estimated).padStart(9),
    percent(m.mape, false),
    percent(m.bias, true),
    percent(m.worst, true),
    percent(m.volume, true),
  ].join(" ");
}
const header = [
  "category".padEnd(22),
  "n".padStart(4),
  "tokens".padStart(8),
  "estimated".padStart(9),
  "MAPE".padStart(8),
  "bias".padStart(8),
  "worst".padStart(8),
  "sum err".padStart(8),
].join(" ");

console.log(
  `gpt-tokenizer ${tokenizerVersion}; ${samples.length} samples from test/fixtures/token-samples.json`,
);
console.log("MAPE: mean absolute percentage error per sample; bias: mean signed error per sample;");
console.log("worst: the sample furthest off; sum err: error of the summed estimates.");
for (const estimator of estimators) {
  for (const tokenizer of tokenizers) {
    console.log(`\n${estimator.name} vs ${tokenizer.name}`);
    console.log(header);
    for (const category of categories) {
      console.log(
        row(
          category,
          measure(
            estimator,
            tokenizer,
            samples.filter((sample) => sample.category === category),
          ),
        ),
      );
    }
    const toolOutput = samples.filter((sample) => TOOL_OUTPUT.has(sample.category));
    console.log(row("= tool output", measure(estimator, tokenizer, toolOutput)));
    console.log(row("= total", measure(estimator, tokenizer, samples)));
  }
}

// Speed: a 64 KB mix of the samples, the largest result a tool call is expected to return.
let big = "";
for (let k = 0; big.length < 65536; k++) big += `${samples[k % samples.length].text}\n`;
big = big.slice(0, 65536);
function medianMs(fn, runs, iterations) {
  const times = [];
  for (let r = 0; r < runs; r++) {
    const start = process.hrtime.bigint();
    for (let k = 0; k < iterations; k++) fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6 / iterations);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
for (let k = 0; k < 50; k++) estimateTokens(big);
const estimatorMs = medianMs(() => estimateTokens(big), 9, 50);
const encoderMs = medianMs(() => tokenizers[0].encode(big), 5, 3);
console.log(
  `\nspeed on ${big.length} chars: estimateTokens ${estimatorMs.toFixed(3)} ms (median of 9 runs of 50), ` +
    `${(big.length / estimatorMs / 1000).toFixed(0)} MB/s; o200k_base encode ${encoderMs.toFixed(1)} ms`,
);
