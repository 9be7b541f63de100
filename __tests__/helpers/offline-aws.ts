/**
 * Points the AWS SDK of this test process at loopback fakes: test credentials and region,
 * no profile or shared config files of the machine, and the given endpoint variables
 * (e.g. `{ AWS_ENDPOINT_URL_SSM: ssm.url }`); every other endpoint variable is cleared.
 */
export function useOfflineAws(endpoints: Readonly<Record<string, string>>): void {
  for (const key of [
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_SSM",
    "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    "AWS_PROFILE",
    "AWS_MAX_ATTEMPTS",
  ])
    delete process.env[key];
  Object.assign(process.env, {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_CONFIG_FILE: "/nonexistent/aws-config",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
    ...endpoints,
  });
}
