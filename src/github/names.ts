import * as z from "zod/v4";

/**
 * GitHub's own rules for the names this server puts into API paths, so a typo fails with a clear
 * message instead of a confusing 404, and no name can step out of its path segment.
 */

/** A user or organisation login: letters, digits and hyphens, not starting with a hyphen, at most 39. */
export const LOGIN = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/;

/** A repository name: letters, digits, `.`, `_` and `-`, at most 100, and never `.` or `..`. */
export const REPOSITORY = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}$/;

export const ownerName = z.string().regex(LOGIN, "must be a GitHub user or organisation login");

export const repositoryName = z
  .string()
  .regex(REPOSITORY, "must be a repository name (letters, digits, '.', '_' or '-'; not '.' or '..')");
