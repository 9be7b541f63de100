/**
 * The loopback SSM every runtime figure of the bench reads from (it verifies every
 * signature), holding the example handler's two secrets, and the environment that points a
 * loader at it as Lambda would: region, the tests' credentials, the construct's variables.
 */
import { startSsmServer, type SsmServer } from "../__tests__/helpers/ssm-server";

/** The two parameters the bench's loaders read. */
export const BENCH_PARAMETERS = ["/bench/github_token", "/bench/slack_webhook_url"] as const;

/** Starts the loopback SSM with the two parameters, and the variables a function reading them has. */
export async function startBenchSsm(): Promise<{ server: SsmServer; env: Record<string, string> }> {
  const server = await startSsmServer({ region: "eu-west-1" });
  server.putParameter(BENCH_PARAMETERS[0], "bench-fake-token");
  server.putParameter(BENCH_PARAMETERS[1], "https://example.invalid/bench-fake-hook");
  const env = {
    AWS_ENDPOINT_URL_SSM: server.url,
    AWS_REGION: "eu-west-1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    GITHUB_TOKEN_PARAM_NAME: BENCH_PARAMETERS[0],
    SLACK_WEBHOOK_URL_PARAM_NAME: BENCH_PARAMETERS[1],
  };
  return { server, env };
}
