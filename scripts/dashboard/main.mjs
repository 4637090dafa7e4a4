// Runs the dashboard page server on its own (npm run dev starts it as a child, like Spotlight):
//   node scripts/dashboard/main.mjs <port> <spotlight origin>
//
// A process of its own, so that evaluating every panel over a long run's records never holds up the
// GitHub stand-in, which the npm run dev process serves.
import { parseArgs } from "node:util";
import { watchParent } from "../lib/processes.mjs";
import { loadObservability, startDashboard } from "./server.mjs";

const { positionals } = parseArgs({ allowPositionals: true });
const [portText, spotlight] = positionals;
const port = Number(portText);
if (!Number.isInteger(port) || port < 0 || port > 65535 || !/^https?:\/\//.test(spotlight ?? "")) {
  console.error(
    "usage: node scripts/dashboard/main.mjs <port> <spotlight origin, e.g. http://localhost:8969>",
  );
  process.exit(2);
}

let dashboard;
try {
  dashboard = await startDashboard({
    port,
    spotlight,
    observability: await loadObservability(),
    log: (line) => console.error(line),
  });
} catch (error) {
  console.error(
    error?.code === "EADDRINUSE"
      ? `port ${port} is in use`
      : `could not start: ${error instanceof Error ? error.stack : String(error)}`,
  );
  process.exit(1);
}
console.log(`dashboard on ${dashboard.url}, following ${spotlight}/stream`);

const stop = async () => {
  await dashboard.stop();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
watchParent(stop);
