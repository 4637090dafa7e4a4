/**
 * Seed data for the fake GitHub in `fake-github.ts`.
 *
 * The data is shaped to exercise the paths a GitHub client gets wrong: a user without a public
 * email (and one with no email at all), a user without a display name, private repositories that
 * only some users may see, an organisation the viewer does or does not belong to, a repository
 * without a README, non-ASCII text in a README, gaps in issue numbers (GitHub shares numbers
 * between issues and pull requests) and enough repositories to paginate.
 */

/** A GitHub account as the fake knows it; `email` is the public profile email (null when hidden). */
export interface FakeUser {
  id: number;
  login: string;
  name: string | null;
  email: string | null;
}

/** A seeded account with the profile details GitHub reports beyond the basics. */
export interface FakeSeedUser extends FakeUser {
  /**
   * The primary address `/user/emails` reports when the public `email` is null; absent means the
   * account has no address the API can reveal, so `/user/emails` answers an empty list.
   */
  privateEmail?: string;
  company: string | null;
  location: string | null;
  bio: string | null;
  createdAt: string;
  updatedAt: string;
}

/** An organisation; `members` are logins of seeded users. */
export interface FakeSeedOrg {
  id: number;
  login: string;
  name: string;
  description: string;
  members: string[];
  createdAt: string;
}

/** A repository; `owner` is the login of a seeded user or organisation. */
export interface FakeSeedRepo {
  id: number;
  owner: string;
  name: string;
  private: boolean;
  description: string | null;
  language: string | null;
  stargazersCount: number;
  forksCount: number;
  defaultBranch: string;
  topics: string[];
  createdAt: string;
  updatedAt: string;
  pushedAt: string;
  /** Markdown text of README.md, or null when the repository has none. */
  readme: string | null;
}

/** A label definition; issues refer to labels by name. */
export interface FakeSeedLabel {
  name: string;
  color: string;
  description: string | null;
}

/** An issue; `repo` is "owner/name" and `author` the login of a seeded user. */
export interface FakeSeedIssue {
  repo: string;
  number: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  labels: string[];
  author: string;
  comments: number;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

/** Everything the fake starts from, and returns to on reset. */
export interface FakeSeed {
  users: FakeSeedUser[];
  orgs: FakeSeedOrg[];
  repos: FakeSeedRepo[];
  labels: FakeSeedLabel[];
  issues: FakeSeedIssue[];
}

/** The default world: four users, one organisation, eight repositories and ten issues. */
export const defaultSeed: FakeSeed = {
  users: [
    {
      id: 1001,
      login: "octocat",
      name: "The Octocat",
      email: "octocat@example.com",
      company: "@octo-org",
      location: "San Francisco",
      bio: "Mascot, occasional maintainer.",
      createdAt: "2011-01-25T18:44:36Z",
      updatedAt: "2024-09-22T11:25:03Z",
    },
    {
      id: 1002,
      login: "hubot",
      name: "Hubot",
      email: null,
      privateEmail: "hubot@example.com",
      company: null,
      location: null,
      bio: "I am a chat bot. Beep boop.",
      createdAt: "2011-07-12T09:02:11Z",
      updatedAt: "2024-06-03T16:40:58Z",
    },
    {
      id: 1003,
      login: "monalisa",
      name: "Mona Lisa",
      email: "mona@example.org",
      company: "Octo Org",
      location: "Lisbon, Portugal",
      bio: null,
      createdAt: "2013-04-09T14:17:45Z",
      updatedAt: "2024-10-01T08:12:30Z",
    },
    {
      id: 1004,
      login: "quiet-dev",
      name: null,
      email: null,
      company: null,
      location: null,
      bio: null,
      createdAt: "2022-02-14T20:31:07Z",
      updatedAt: "2023-11-28T07:55:19Z",
    },
  ],
  orgs: [
    {
      id: 2001,
      login: "octo-org",
      name: "Octo Org",
      description: "Tools and services for the Octo platform.",
      members: ["octocat", "monalisa"],
      createdAt: "2014-03-02T10:00:00Z",
    },
  ],
  repos: [
    {
      id: 3001,
      owner: "octocat",
      name: "hello-world",
      private: false,
      description: "My first repository on GitHub!",
      language: "JavaScript",
      stargazersCount: 2417,
      forksCount: 1893,
      defaultBranch: "main",
      topics: ["example", "getting-started"],
      createdAt: "2011-01-26T19:01:12Z",
      updatedAt: "2024-09-30T12:04:51Z",
      pushedAt: "2024-09-18T08:33:20Z",
      readme: [
        "# Hello World",
        "",
        "My first repository on GitHub. It prints a greeting and nothing else — on purpose.",
        "",
        "## Usage",
        "",
        "```sh",
        "node index.js",
        "```",
        "",
        "Contributions are welcome: see the open issues labelled `good first issue`.",
        "",
      ].join("\n"),
    },
    {
      id: 3002,
      owner: "octocat",
      name: "dotfiles",
      private: true,
      description: "Personal configuration for zsh, git and tmux.",
      language: "Shell",
      stargazersCount: 0,
      forksCount: 0,
      defaultBranch: "main",
      topics: [],
      createdAt: "2016-05-11T21:45:09Z",
      updatedAt: "2024-08-14T17:20:44Z",
      pushedAt: "2024-08-14T17:20:41Z",
      readme: [
        "# dotfiles",
        "",
        "Run `./install.sh` to symlink everything into `$HOME`.",
        "Tested on macOS 14 and Debian 12.",
        "",
      ].join("\n"),
    },
    {
      id: 3003,
      owner: "octocat",
      name: "spoon-knife",
      private: false,
      description: "This repo is for demonstration purposes only.",
      language: "HTML",
      stargazersCount: 12804,
      forksCount: 145221,
      defaultBranch: "main",
      topics: ["demo", "forking"],
      createdAt: "2011-01-27T19:30:43Z",
      updatedAt: "2024-10-02T06:51:17Z",
      pushedAt: "2024-05-30T13:09:02Z",
      readme: [
        "### Well hello there!",
        "",
        "This repository is meant to provide an example for *forking* a repository on GitHub.",
        "",
        "Creating a *fork* is producing a personal copy of someone else's project. Forks act as a sort of bridge",
        "between the original repository and your personal copy.",
        "",
      ].join("\n"),
    },
    {
      id: 3004,
      owner: "octo-org",
      name: "octo-api",
      private: false,
      description: "Public REST API client for the Octo platform.",
      language: "TypeScript",
      stargazersCount: 342,
      forksCount: 27,
      defaultBranch: "main",
      topics: ["api-client", "typescript"],
      createdAt: "2019-09-04T11:22:33Z",
      updatedAt: "2024-10-03T15:42:10Z",
      pushedAt: "2024-10-03T15:42:07Z",
      readme: [
        "# octo-api",
        "",
        "A small, typed client for the Octo platform's REST API.",
        "",
        "```ts",
        'import { OctoClient } from "octo-api";',
        "const client = new OctoClient({ token: process.env.OCTO_TOKEN });",
        "```",
        "",
        "Requests are retried on 502 and 503; rate limits are surfaced as `RateLimitError`.",
        "",
      ].join("\n"),
    },
    {
      id: 3005,
      owner: "octo-org",
      name: "infra",
      private: true,
      description: "Terraform and deployment scripts for Octo services.",
      language: "HCL",
      stargazersCount: 4,
      forksCount: 0,
      defaultBranch: "main",
      topics: ["terraform"],
      createdAt: "2020-01-15T09:10:11Z",
      updatedAt: "2024-09-27T19:03:36Z",
      pushedAt: "2024-09-27T19:03:33Z",
      readme: [
        "# infra",
        "",
        "Infrastructure for staging and production. Changes go through `terraform plan` in CI;",
        "never apply from a laptop.",
        "",
      ].join("\n"),
    },
    {
      id: 3006,
      owner: "octo-org",
      name: "design-system",
      private: false,
      description: "Shared UI components and design tokens.",
      language: "TypeScript",
      stargazersCount: 118,
      forksCount: 9,
      defaultBranch: "main",
      topics: ["design-tokens", "components"],
      createdAt: "2021-06-21T13:37:00Z",
      updatedAt: "2024-07-09T10:15:25Z",
      pushedAt: "2024-07-09T10:15:22Z",
      readme: null,
    },
    {
      id: 3007,
      owner: "hubot",
      name: "hubot-scripts",
      private: false,
      description: "A collection of community scripts for Hubot.",
      language: "CoffeeScript",
      stargazersCount: 3541,
      forksCount: 2009,
      defaultBranch: "master",
      topics: ["chatops", "hubot"],
      createdAt: "2011-10-31T22:05:17Z",
      updatedAt: "2024-03-11T04:28:49Z",
      pushedAt: "2019-12-02T18:44:01Z",
      readme: [
        "# Hubot Scripts",
        "",
        "**Deprecated:** new scripts live in their own packages. This repository is kept for reference.",
        "",
        "Drop a script into `scripts/` and restart Hubot; it is loaded automatically.",
        "",
      ].join("\n"),
    },
    {
      id: 3008,
      owner: "monalisa",
      name: "sketchbook",
      private: true,
      description: "Drawings, colour studies and generative-art experiments.",
      language: "Python",
      stargazersCount: 1,
      forksCount: 0,
      defaultBranch: "main",
      topics: ["generative-art"],
      createdAt: "2023-03-08T16:20:00Z",
      updatedAt: "2024-09-15T20:48:12Z",
      pushedAt: "2024-09-15T20:48:09Z",
      readme: [
        "# Sketchbook",
        "",
        "Études in colour and form. Each folder is one study; `make render` draws them all to `out/`.",
        "",
      ].join("\n"),
    },
  ],
  labels: [
    { name: "bug", color: "d73a4a", description: "Something isn't working" },
    {
      name: "documentation",
      color: "0075ca",
      description: "Improvements or additions to documentation",
    },
    { name: "enhancement", color: "a2eeef", description: "New feature or request" },
    { name: "good first issue", color: "7057ff", description: "Good for newcomers" },
    { name: "question", color: "d876e3", description: "Further information is requested" },
    { name: "security", color: "b60205", description: "Touches credentials or access control" },
  ],
  issues: [
    {
      repo: "octocat/hello-world",
      number: 1,
      title: "Add a license file",
      body: "The repository has no LICENSE, so nobody can legally reuse the code. MIT would match the rest of the examples.",
      state: "open",
      labels: ["documentation", "good first issue"],
      author: "monalisa",
      comments: 2,
      createdAt: "2024-02-05T10:11:12Z",
      updatedAt: "2024-02-07T09:30:00Z",
      closedAt: null,
    },
    {
      repo: "octocat/hello-world",
      number: 2,
      title: "Typo in README: 'Hello Wrold'",
      body: "The heading of the README says 'Hello Wrold'.",
      state: "closed",
      labels: ["documentation"],
      author: "hubot",
      comments: 1,
      createdAt: "2024-03-01T08:00:00Z",
      updatedAt: "2024-03-01T12:45:10Z",
      closedAt: "2024-03-01T12:45:10Z",
    },
    {
      repo: "octocat/hello-world",
      number: 3,
      title: "Support dark mode in the demo page",
      body: "The demo page is blinding at night. Respect `prefers-color-scheme: dark`.",
      state: "open",
      labels: ["enhancement"],
      author: "octocat",
      comments: 0,
      createdAt: "2024-06-18T19:22:41Z",
      updatedAt: "2024-06-18T19:22:41Z",
      closedAt: null,
    },
    {
      repo: "octocat/dotfiles",
      number: 1,
      title: "tmux config breaks on macOS 14",
      body: "`set -g default-terminal` needs `tmux-256color` there; the status line is garbled otherwise.",
      state: "open",
      labels: ["bug"],
      author: "octocat",
      comments: 0,
      createdAt: "2024-08-14T17:25:00Z",
      updatedAt: "2024-08-14T17:25:00Z",
      closedAt: null,
    },
    {
      repo: "octo-org/octo-api",
      number: 1,
      title: "Retry requests on 502 and 503 responses",
      body: "Transient gateway errors currently surface to callers. Retry twice with jittered backoff before giving up.",
      state: "open",
      labels: ["enhancement"],
      author: "monalisa",
      comments: 4,
      createdAt: "2024-04-10T13:14:15Z",
      updatedAt: "2024-09-02T10:01:33Z",
      closedAt: null,
    },
    {
      repo: "octo-org/octo-api",
      number: 2,
      title: "Pagination stops after the first page",
      body: "`listAll()` ignores the Link header and returns only the first 30 results.",
      state: "closed",
      labels: ["bug"],
      author: "hubot",
      comments: 3,
      createdAt: "2024-05-02T07:45:00Z",
      updatedAt: "2024-05-06T16:20:18Z",
      closedAt: "2024-05-06T16:20:18Z",
    },
    {
      repo: "octo-org/octo-api",
      number: 4,
      title: "Document rate-limit handling",
      body: "Explain what `RateLimitError` carries (reset time, remaining) and how callers should back off.",
      state: "open",
      labels: ["documentation", "good first issue"],
      author: "octocat",
      comments: 1,
      createdAt: "2024-09-20T11:00:00Z",
      updatedAt: "2024-09-21T08:30:45Z",
      closedAt: null,
    },
    {
      repo: "octo-org/infra",
      number: 1,
      title: "Rotate the staging database credentials",
      body: "The staging password is older than 90 days. Rotate it and move it into the secrets manager.",
      state: "open",
      labels: ["security"],
      author: "monalisa",
      comments: 2,
      createdAt: "2024-09-25T14:05:00Z",
      updatedAt: "2024-09-27T19:03:36Z",
      closedAt: null,
    },
    {
      repo: "hubot/hubot-scripts",
      number: 7,
      title: "Script loader crashes when a script exports nothing",
      body: "A file in scripts/ without `module.exports` takes the whole bot down at start-up.",
      state: "open",
      labels: ["bug", "question"],
      author: "hubot",
      comments: 0,
      createdAt: "2019-11-30T23:10:05Z",
      updatedAt: "2019-12-02T18:44:01Z",
      closedAt: null,
    },
    {
      repo: "monalisa/sketchbook",
      number: 1,
      title: "Upload the colour studies from March",
      body: null,
      state: "closed",
      labels: [],
      author: "monalisa",
      comments: 0,
      createdAt: "2024-03-31T18:00:00Z",
      updatedAt: "2024-04-02T09:12:00Z",
      closedAt: "2024-04-02T09:12:00Z",
    },
  ],
};
