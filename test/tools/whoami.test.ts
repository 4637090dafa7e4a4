import { expect, it } from "vitest";
import { setFault } from "../helpers/github";
import { callTraced } from "../helpers/mcp";
import { attr, waitForEvent } from "../helpers/sink";
import { eventIdIn, spanIn, toolSuite } from "../helpers/tool-suite";

toolSuite("whoami", (s) => {
  it("happy path: names the signed-in user", async () => {
    const { result, text } = await callTraced(s.client, "whoami");
    expect(result.isError).toBeFalsy();
    expect(text).toBe("Signed in to GitHub as octocat (The Octocat), user id 1001.");
  });

  it("failure path: a GitHub 5xx is reported, and the reply quotes the Event ID Sentry received", async () => {
    await setFault({ kind: "status", status: 502, path: "/user", times: 1 });
    const call = await callTraced(s.client, "whoami");
    expect(call.result.isError).toBe(true);
    expect(call.text).toContain("GitHub could not complete this.");
    expect((await waitForEvent(eventIdIn(call.text))).event_id).toBe(eventIdIn(call.text));
    const span = await spanIn(call.traceId, "whoami");
    expect(attr(span, "mcp.outcome")).toBe("tool_error");
  });
});
