/**
 * Where the loader sends its requests: the endpoint variables first, else the standard
 * regional hostname of the region's partition (FIPS on request), exactly the hostname the
 * AWS SDK resolves (its endpoint rules are the oracle here: the SDK stays a development
 * dependency for the CLI). The standard hostname is what an interface endpoint's private
 * DNS answers for, so a function in a VPC needs no setting.
 */
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SSMClient } from "@aws-sdk/client-ssm";
import { SECRETS_MANAGER, serviceEndpoint, SSM } from "../lambda-src/secrets/endpoints";

const REGIONS = [
  "us-east-1",
  "eu-west-1",
  "ap-southeast-7",
  "us-gov-west-1",
  "us-gov-east-1",
  "cn-north-1",
  "cn-northwest-1",
  "us-iso-east-1",
  "us-isob-east-1",
  "eu-isoe-west-1",
  "us-isof-south-1",
  "eusc-de-east-1",
];

/** The URL the SDK's own endpoint rules give, without the trailing slash. */
function sdkEndpoint(client: SSMClient | SecretsManagerClient, region: string, fips: boolean): string {
  return client.config
    .endpointProvider({ Region: region, UseFIPS: fips, UseDualStack: false })
    .url.href.replace(/\/$/, "");
}

describe.each([
  ["SSM", SSM, new SSMClient({ region: "us-east-1" })],
  ["Secrets Manager", SECRETS_MANAGER, new SecretsManagerClient({ region: "us-east-1" })],
] as const)("%s", (_, service, client) => {
  test.each(REGIONS)("in %s, the hostname the SDK resolves, with and without FIPS", (region) => {
    expect(serviceEndpoint(service, region, {})).toBe(sdkEndpoint(client, region, false));
    expect(serviceEndpoint(service, region, { AWS_USE_FIPS_ENDPOINT: "true" })).toBe(sdkEndpoint(client, region, true));
  });

  test("prefers its own endpoint variable, then AWS_ENDPOINT_URL, over the regional hostname", () => {
    const own = { [service.endpointVariable]: "http://127.0.0.1:4566" };
    expect(serviceEndpoint(service, "eu-west-1", { ...own, AWS_ENDPOINT_URL: "http://127.0.0.1:9" })).toBe(
      "http://127.0.0.1:4566",
    );
    expect(serviceEndpoint(service, "eu-west-1", { AWS_ENDPOINT_URL: "http://127.0.0.1:9" })).toBe(
      "http://127.0.0.1:9",
    );
    expect(serviceEndpoint(service, "eu-west-1", { AWS_USE_FIPS_ENDPOINT: "false" })).toBe(
      `https://${service.signingName}.eu-west-1.amazonaws.com`,
    );
  });
});

test("the regional hostnames are those of the interface endpoints' private DNS (com.amazonaws.<region>.ssm / .secretsmanager)", () => {
  expect(serviceEndpoint(SSM, "eu-west-1", {})).toBe("https://ssm.eu-west-1.amazonaws.com");
  expect(serviceEndpoint(SECRETS_MANAGER, "eu-west-1", {})).toBe("https://secretsmanager.eu-west-1.amazonaws.com");
});
