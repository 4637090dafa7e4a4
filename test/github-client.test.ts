import { afterEach, describe, expect, it } from "vitest";
import { UpstreamError, UserInputError } from "../src/errors";
import { createGitHubClient, githubRouteTemplater } from "../src/github/client";
import { mintToken, setFault } from "./helpers/github";

const API = "http://api.github.test";

async function clientFor(login: string) {
  return createGitHubClient({ apiBase: API, token: await mintToken(login), timeoutMs: 1000 });
}

async function requestCount(): Promise<number> {
  return ((await (await fetch(`${API}/__fake/requests`)).json()) as unknown[]).length;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

describe("the GitHub client", () => {
  afterEach(() => setFault(null));

  it.each([".", "..", "a/b", "%2e%2e", ""])("refuses repo %j before anything is sent", async (repo) => {
    const github = await clientFor("octocat");
    const before = await requestCount();
    const error = await failure(github.getIssue({ owner: "octocat", repo, number: 1 }));
    expect(error).toBeInstanceOf(UserInputError);
    expect((error as Error).message).toContain("repo must be a repository name");
    expect(await requestCount()).toBe(before);
  });

  it("refuses an owner that is not a login, such as one with a slash", async () => {
    const github = await clientFor("octocat");
    await expect(github.getReadme({ owner: "octocat/../x", repo: "hello-world" })).rejects.toThrow(
      /owner must be a user or organisation login/,
    );
  });

  it("names the route, never the repository, in an error", async () => {
    await setFault({ kind: "status", status: 500, path: "/repos/octocat/dotfiles", times: 1 });
    const github = await clientFor("octocat");
    const error = await failure(github.getIssue({ owner: "octocat", repo: "dotfiles", number: 1 }));
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as Error).message).toBe(
      "GitHub answered 500 to GET /repos/{owner}/{repo}/issues/{issue_number}: Server Error",
    );
  });

  it("treats a 2xx body that is not JSON as GitHub's failure, to be reported", async () => {
    await setFault({ kind: "body", path: "/user", times: 1, body: "<html>upstream proxy</html>" });
    const error = await failure((await clientFor("octocat")).getAuthenticatedUser());
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).reason).toBe("invalid_response");
    expect((error as UpstreamError).expected).toBe(false);
    expect((error as Error).message).toBe("GitHub answered 200 to GET /user with a body that is not JSON");
  });

  it("treats a body missing a field it needs as GitHub's failure, not the text undefined", async () => {
    await setFault({ kind: "body", path: "/user", times: 1, body: JSON.stringify({ name: "No Login" }) });
    const error = await failure((await clientFor("octocat")).getAuthenticatedUser());
    expect((error as UpstreamError).reason).toBe("invalid_response");
    expect((error as Error).message).toContain("without a valid id");
  });

  it("maps request URLs to route templates for telemetry", () => {
    const templateOf = githubRouteTemplater("https://ghe.example.com/api/v3/");
    expect(templateOf("https://ghe.example.com/api/v3/repos/acme/secret-repo/issues/2?state=open")).toBe(
      "https://ghe.example.com/api/v3/repos/{owner}/{repo}/issues/{issue_number}",
    );
    expect(templateOf("https://ghe.example.com/api/v3/orgs/acme/repos")).toBe(
      "https://ghe.example.com/api/v3/orgs/{org}/repos",
    );
    expect(templateOf("https://ghe.example.com/api/v3/user")).toBe("https://ghe.example.com/api/v3/user");
    expect(templateOf("https://ghe.example.com/api/v3/repos/acme/secret-repo/pulls")).toBe(
      "https://ghe.example.com/api/v3/{path}",
    );
    expect(templateOf("https://ghe.example.com/login/oauth/access_token")).toBeUndefined();
    expect(templateOf("https://sentry.example.com/api/1/envelope/")).toBeUndefined();
  });
});
