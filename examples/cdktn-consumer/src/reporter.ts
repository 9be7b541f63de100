import { createSecretsLoader } from "secure-lambda-cdktn/runtime";

// Module scope: one loader per execution environment, so warm invocations reuse its cache.
const secrets = createSecretsLoader(["github_token"]);

/** Reads the token (never logs it) and says how long it is. */
export async function handler(): Promise<{ tokenLength: number }> {
  const token = await secrets.get("github_token");
  return { tokenLength: token.length };
}
