import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readConfig } from "../src/config";
import workerEntry from "../src/index";

/** Calls the Worker entry with some settings changed, as a deployment with them would answer. */
async function call(url: string, settings: Record<string, string>, headers: Record<string, string> = {}) {
  const ctx = createExecutionContext();
  const response = await workerEntry.fetch(
    new Request(url, {
      method: "POST",
      headers: {
        Accept: "application/json, text/event-stream",
        "Content-Type": "application/json",
        ...headers,
      },
      body: "{}",
    }),
    { ...env, ...settings },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: response.status, text: await response.text() };
}

/** Past the Origin and Host checks, a request with no token meets the OAuth provider's 401. */
const PASSED = 401;

describe("Origin and Host on the MCP routes", () => {
  const development = { ENVIRONMENT: "development", PUBLIC_URL: "" };

  it("in development, serves loopback hosts and origins and refuses a rebound hostname", async () => {
    for (const host of ["localhost:8788", "127.0.0.1:8788", "[::1]:8788"]) {
      expect((await call(`http://${host}/mcp`, development)).status, host).toBe(PASSED);
      expect((await call(`http://${host}/mcp`, development, { Origin: `http://${host}` })).status).toBe(
        PASSED,
      );
    }
    expect(
      (await call("http://localhost:8788/mcp", development, { Origin: "http://localhost:6274" })).status,
    ).toBe(PASSED);
    // DNS rebinding: the attacker's name resolves to 127.0.0.1, so the browser sends its Host and Origin.
    const rebound = await call("http://rebound.example:8788/mcp", development, {
      Origin: "http://rebound.example:8788",
    });
    expect(rebound.status).toBe(403);
    expect(rebound.text).toContain("does not answer for that Host");
    const foreign = await call("http://localhost:8788/sse", development, { Origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
  });

  it("with PUBLIC_URL, serves that host and origin only", async () => {
    const deployed = { ENVIRONMENT: "test", PUBLIC_URL: "https://mcp.example.com" };
    expect((await call("https://mcp.example.com/mcp", deployed)).status).toBe(PASSED);
    expect(
      (await call("https://mcp.example.com/mcp", deployed, { Origin: "https://mcp.example.com" })).status,
    ).toBe(PASSED);
    expect((await call("https://other.example.com/mcp", deployed)).status).toBe(403);
    expect(
      (await call("https://mcp.example.com/mcp", deployed, { Origin: "https://other.example.com" })).status,
    ).toBe(403);
  });

  it("serves the origins MCP_ALLOWED_ORIGINS lists, and only those", async () => {
    const settings = {
      ENVIRONMENT: "test",
      PUBLIC_URL: "https://mcp.example.com",
      MCP_ALLOWED_ORIGINS: "https://app.example.com, https://inspector.example.com:8443",
    };
    for (const origin of ["https://app.example.com", "https://inspector.example.com:8443"]) {
      expect((await call("https://mcp.example.com/mcp", settings, { Origin: origin })).status, origin).toBe(
        PASSED,
      );
    }
    for (const origin of [
      "http://app.example.com",
      "https://inspector.example.com",
      "https://app.example.com.evil",
    ]) {
      expect((await call("https://mcp.example.com/mcp", settings, { Origin: origin })).status, origin).toBe(
        403,
      );
    }
  });

  it("leaves the OAuth routes to their own rules", async () => {
    const response = await call(
      "https://observable-mcp.test/register",
      {},
      { Origin: "https://evil.example" },
    );
    expect(response.status).not.toBe(403);
  });

  it("names MCP_ALLOWED_ORIGINS when an entry is not an origin", async () => {
    for (const value of ["app.example.com", "https://app.example.com/path", "ftp://files.example.com"]) {
      expect(() => readConfig({ MCP_ALLOWED_ORIGINS: value }), value).toThrow(
        /MCP_ALLOWED_ORIGINS must list origins/,
      );
    }
    expect(
      readConfig({ MCP_ALLOWED_ORIGINS: "https://App.Example.com/ http://localhost:6274" }).allowedOrigins,
    ).toEqual(["https://app.example.com", "http://localhost:6274"]);
    const misconfigured = await call("https://observable-mcp.test/mcp", { MCP_ALLOWED_ORIGINS: "*" });
    expect(misconfigured.status).toBe(503);
    expect(misconfigured.text).toContain("Its MCP_ALLOWED_ORIGINS setting needs fixing");
  });
});
