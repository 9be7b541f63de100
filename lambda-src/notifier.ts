import { createSecretsLoader, type InvocationContext } from "./secrets";

// Module scope: created once per execution environment, so warm invocations reuse the cache.
const secrets = createSecretsLoader(["github_token", "slack_webhook_url"]);

/** Each outbound call gets this long, in milliseconds, well inside the function's timeout. */
const REQUEST_TIMEOUT_MS = 4000;

/** A call the notifier makes failed. Names the service and the status, never a token or the webhook URL. */
export class NotifierError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotifierError";
  }
}

/** Posts the number of open issues of a repository (GITHUB_REPOSITORY) to a Slack webhook. */
export async function handler(_event: unknown, context?: InvocationContext): Promise<{ openIssues: number }> {
  const repo = process.env.GITHUB_REPOSITORY;
  if (!repo) throw new NotifierError("environment variable GITHUB_REPOSITORY is not set");
  const api = (process.env.GITHUB_API_URL || "https://api.github.com").replace(/\/+$/, "");
  // The context bounds the secrets' read by the invocation's remaining time.
  let values = await secrets.getAll(context);
  const target = `GitHub API (GET /repos/${repo})`;
  const getRepository = (token: string) =>
    call(target, `${api}/repos/${repo}`, {
      headers: {
        accept: "application/vnd.github+json",
        authorization: `Bearer ${token}`,
        "user-agent": "secure-lambda-notifier",
        "x-github-api-version": "2022-11-28",
      },
    });

  let repository = await getRepository(values.github_token);
  if (repository.status === 401) {
    // The token was rotated since it was cached: read the secrets once more (at most one
    // forced read per 30 s per execution environment) and try once again.
    await repository.body?.cancel();
    values = await secrets.refresh(context);
    repository = await getRepository(values.github_token);
  }
  const openIssues = ((await ok(target, repository).json()) as { open_issues_count?: unknown }).open_issues_count;
  if (typeof openIssues !== "number") throw new NotifierError(`${target} answered without open_issues_count`);

  // The webhook URL is itself a secret: it is named "Slack webhook" everywhere below.
  const posted = await call("Slack webhook", values.slack_webhook_url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ text: `${repo} has ${openIssues} open issues` }),
  });
  await ok("Slack webhook", posted).body?.cancel();
  console.log(JSON.stringify({ message: "notified", repo, openIssues }));
  return { openIssues };
}

/** fetch, with a timeout and errors that name `target` instead of quoting the URL. */
async function call(target: string, url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    // fetch's own errors can quote the URL; keep only their code.
    throw new NotifierError(`${target} could not be reached: ${networkCode(error)}`);
  }
}

/** The response, if it is a success; else an error naming `target` and the status. */
function ok(target: string, response: Response): Response {
  if (response.ok) return response;
  // The body is left unread, never quoted: an error page may echo what was sent.
  void response.body?.cancel();
  throw new NotifierError(`${target} answered ${response.status}`);
}

function networkCode(error: unknown): string {
  const { name, cause } = (error ?? {}) as { name?: unknown; cause?: { code?: unknown } };
  if (name === "TimeoutError") return `timed out after ${REQUEST_TIMEOUT_MS} ms`;
  return typeof cause?.code === "string" ? cause.code : typeof name === "string" ? name : "unknown error";
}
