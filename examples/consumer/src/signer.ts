import { createSecretsLoader } from "secure-lambda/runtime";

// The function's store is Secrets Manager: the same loader reads it, told so by its environment.
const secrets = createSecretsLoader(["signing_key"]);

/** Reads the signing key (never logs it) and says how many lines it has. */
export async function handler(): Promise<{ keyLines: number }> {
  const key = await secrets.get("signing_key");
  return { keyLines: key.split("\n").length };
}
