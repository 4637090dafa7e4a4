import * as Sentry from "@sentry/node";
import { type SentryEnv, sentryOptions } from "../telemetry/sentry";
import { type BatchingTransportOptions, makeBatchingTransport } from "../telemetry/transport";

/**
 * The integrations this host needs, instead of @sentry/node's defaults: GitHub requests as spans and
 * breadcrumbs (fetch), uncaught errors reported and flushed before exit, readable stack frames. The
 * defaults would also send what the remote server never does (the machine's OS, CPU, memory, locale
 * and time zone; the dependencies of whatever project the process started in; release-health
 * sessions; console breadcrumbs) and hook Node's module loader for databases and web frameworks this
 * process never loads.
 */
function integrations() {
  return [
    Sentry.eventFiltersIntegration(),
    Sentry.functionToStringIntegration(),
    Sentry.linkedErrorsIntegration(),
    Sentry.systemErrorIntegration(),
    Sentry.nativeNodeFetchIntegration(),
    Sentry.onUncaughtExceptionIntegration(),
    Sentry.onUnhandledRejectionIntegration(),
    Sentry.contextLinesIntegration(),
    // After context lines, which read the source by its absolute path.
    Sentry.rewriteFramesIntegration({ iteratee: relativeFrame }),
  ];
}

/**
 * A frame's file as a path inside the package (`dist-stdio/main.mjs`), or its base name when it is
 * not ours: an absolute path names the user ("/Users/<name>/…") and where their clone lives. Sentry
 * and the OTLP exception stacktrace both read it from here.
 */
function relativeFrame<T extends { filename?: string; abs_path?: string }>(frame: T): T {
  for (const key of ["filename", "abs_path"] as const) {
    const path = frame[key]?.replace(/\\/g, "/");
    if (!path || !(path.startsWith("/") || /^[a-zA-Z]:\//.test(path) || path.startsWith("file://"))) continue;
    const inPackage = path.lastIndexOf("/dist-stdio/");
    frame[key] = inPackage >= 0 ? path.slice(inPackage + 1) : path.slice(path.lastIndexOf("/") + 1);
  }
  return frame;
}

/**
 * How soon after the SDK hands over an envelope the batching transport sends it. On Workers the SDK
 * flushes at the end of every invocation; a long-lived process has no such boundary, so the queue is
 * drained on a timer, which still merges what one call produced into one envelope per kind.
 */
const DRAIN_DELAY_MS = 1000;
const DRAIN_TIMEOUT_MS = 10_000;

/** The batching transport, drained shortly after each send rather than at an invocation's end. */
function drainingSoon(options: BatchingTransportOptions) {
  // One process: the exit's flush also waits for a drain this timer already started, and bounds the
  // collector's export too.
  const inner = makeBatchingTransport({ ...options, oneProcess: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    send: (envelope: Parameters<typeof inner.send>[0]) => {
      const sent = inner.send(envelope);
      if (timer === undefined) {
        timer = setTimeout(() => {
          timer = undefined;
          void inner.flush(DRAIN_TIMEOUT_MS);
        }, DRAIN_DELAY_MS);
        // The exit path flushes; a pending drain must not keep a finished process alive.
        (timer as { unref?: () => void }).unref?.();
      }
      return sent;
    },
    flush: (timeout?: number) => inner.flush(timeout),
  };
}

/**
 * Starts @sentry/node with the configuration the Worker uses (src/telemetry/sentry.ts), so the same
 * spans, metrics, logs, sampling and redaction apply, and the same OTLP leg (its transport wraps the
 * batching one, which reads the exporter from transportOptions). Only ever called with a SENTRY_DSN
 * or an OTLP endpoint: without either this module is not even loaded.
 */
export function startSentry(
  env: SentryEnv,
  options: { release: string; templateUrl: (url: string) => string | undefined },
): { flush(timeoutMs: number): Promise<boolean> } {
  // Without a DSN, Spotlight gets nothing here (unlike the Worker in development): an OTLP-only
  // process sends to the collector alone, and a failure's reply quotes its Trace ID.
  const hostEnv = env.SENTRY_DSN?.trim() ? env : { ...env, SENTRY_SPOTLIGHT: undefined };
  const shared = sentryOptions(hostEnv, {
    templateUrl: options.templateUrl,
    serviceVersion: options.release,
    serverName: "observable-mcp",
    spotlightIntegration: Sentry.spotlightIntegration,
  });
  const { integrations: configure, beforeSendTransaction, ...rest } = shared;
  Sentry.init({
    ...rest,
    // Transactions exist only in the static lifecycle (Spotlight); the SDK warns about the hook otherwise.
    ...(shared.traceLifecycle === "static" ? { beforeSendTransaction } : {}),
    transport: drainingSoon,
    release: options.release,
    // The SDK's default is the machine's hostname.
    serverName: "observable-mcp-stdio",
    // What the SDK waits on an uncaught exception before it exits.
    shutdownTimeout: 2000,
    defaultIntegrations: integrations(),
    // No module-loader hooks for the databases and web frameworks the SDK can trace (the build also
    // compiles them out): this process loads none of them.
    enableRuntimeChannelInjection: false,
    integrations: configure,
    // Not from the environment: @sentry/node would read SENTRY_SPOTLIGHT itself, in any environment
    // and without a DSN. Spotlight's copy is the shared configuration's (development, with a DSN).
    spotlight: false,
  });
  return { flush: (timeoutMs) => Sentry.flush(timeoutMs) };
}
