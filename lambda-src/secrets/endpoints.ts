import { SecretsConfigError } from "./errors";
import type { Env } from "./source";

/** The two services the loader calls, as AWS names them where it matters. */
export interface AwsJsonService {
  /** The SigV4 signing name and the first label of the regional hostname, e.g. `ssm`. */
  readonly signingName: "ssm" | "secretsmanager";
  /** What precedes `.<Action>` in `X-Amz-Target`, e.g. `AmazonSSM`. */
  readonly targetPrefix: "AmazonSSM" | "secretsmanager";
  /** The service's own endpoint override, as the SDKs spell it: `AWS_ENDPOINT_URL_` + its service id upper-cased. */
  readonly endpointVariable: "AWS_ENDPOINT_URL_SSM" | "AWS_ENDPOINT_URL_SECRETS_MANAGER";
  /** How the service is named in messages. */
  readonly displayName: string;
}

export const SSM: AwsJsonService = {
  signingName: "ssm",
  targetPrefix: "AmazonSSM",
  endpointVariable: "AWS_ENDPOINT_URL_SSM",
  displayName: "SSM",
};
export const SECRETS_MANAGER: AwsJsonService = {
  signingName: "secretsmanager",
  targetPrefix: "secretsmanager",
  endpointVariable: "AWS_ENDPOINT_URL_SECRETS_MANAGER",
  displayName: "Secrets Manager",
};

/**
 * AWS partitions by region name, and their DNS suffix, as the SDKs' partition table has
 * them; a region matching none is in `aws`.
 */
const PARTITIONS: ReadonlyArray<{ readonly name: string; readonly regions: RegExp; readonly dnsSuffix: string }> = [
  { name: "aws-cn", regions: /^cn-\w+-\d+$/, dnsSuffix: "amazonaws.com.cn" },
  { name: "aws-us-gov", regions: /^us-gov-\w+-\d+$/, dnsSuffix: "amazonaws.com" },
  { name: "aws-iso", regions: /^us-iso-\w+-\d+$/, dnsSuffix: "c2s.ic.gov" },
  { name: "aws-iso-b", regions: /^us-isob-\w+-\d+$/, dnsSuffix: "sc2s.sgov.gov" },
  { name: "aws-iso-e", regions: /^eu-isoe-\w+-\d+$/, dnsSuffix: "cloud.adc-e.uk" },
  { name: "aws-iso-f", regions: /^us-isof-\w+-\d+$/, dnsSuffix: "csp.hci.ic.gov" },
  { name: "aws-eusc", regions: /^eusc-(de)-\w+-\d+$/, dnsSuffix: "amazonaws.eu" },
];

/**
 * An endpoint variable's URL, refused at once unless it is a whole http(s) URL with a host:
 * `localhost:4566` would parse as a URL of scheme `localhost:` and spend the whole budget
 * failing. The value is shown only when it is plainly a host and port (never user info).
 */
function checkedEndpoint(variable: string, value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // Not a URL at all: described below.
  }
  if (url && /^https?:$/.test(url.protocol) && url.hostname !== "") return value;
  const shown = /^[A-Za-z0-9.:/[\]-]{1,100}$/.test(value) ? JSON.stringify(value) : "the value";
  throw new SecretsConfigError(
    variable,
    `${shown} is not an http:// or https:// URL with a host; expected e.g. https://ssm.eu-west-1.amazonaws.com or http://localhost:4566`,
  );
}

/**
 * Where a service's requests go, in the order the SDKs look: the service's own variable
 * (`AWS_ENDPOINT_URL_SSM`, `AWS_ENDPOINT_URL_SECRETS_MANAGER`), then `AWS_ENDPOINT_URL`,
 * else the standard regional hostname of the region's partition, `<service>.<region>.<suffix>`,
 * or its FIPS form when `AWS_USE_FIPS_ENDPOINT=true`.
 *
 * The standard hostname matters inside a VPC: an interface endpoint with private DNS
 * answers for exactly `ssm.<region>.amazonaws.com` (and `secretsmanager...`), so the
 * function reaches it without any setting. A FIPS hostname is not covered by that private
 * DNS; a function in a VPC that needs FIPS must set the endpoint variable itself.
 */
export function serviceEndpoint(service: AwsJsonService, region: string, env: Env): string {
  const variable = env[service.endpointVariable] ? service.endpointVariable : "AWS_ENDPOINT_URL";
  const override = env[variable];
  if (override) return checkedEndpoint(variable, override);
  const partition = PARTITIONS.find((p) => p.regions.test(region));
  const dnsSuffix = partition?.dnsSuffix ?? "amazonaws.com";
  // The SDKs' SSM rules: in GovCloud the regular SSM endpoint is the FIPS one.
  const fips =
    env.AWS_USE_FIPS_ENDPOINT?.toLowerCase() === "true" && !(service === SSM && partition?.name === "aws-us-gov");
  return `https://${service.signingName}${fips ? "-fips" : ""}.${region}.${dnsSuffix}`;
}
