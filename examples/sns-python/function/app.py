"""The alarm notifier: a CloudWatch alarm publishes to an SNS topic, the topic invokes this
function, and it posts each alarm to Slack through a webhook whose URL it reads from Secrets
Manager with Powertools for AWS Lambda (Python) `parameters`.

SecureLambda (store "secretsmanager") gives the function only the secret's id, in
SECRETS_MANAGER_SECRET_ID; the secret is a JSON object with one key per secret name. Same
rules as the TypeScript loader: the placeholder is refused, and no value is ever logged.
"""

import json
import os
import urllib.request

from aws_lambda_powertools.utilities import parameters

# The value SecureLambda creates every secret with (constructs/naming.ts, PLACEHOLDER_VALUE):
# a secret still holding it was never set.
PLACEHOLDER = "SECURE_LAMBDA_PLACEHOLDER_SET_THE_REAL_VALUE_OUT_OF_BAND"
SECRET_ID_ENV_VAR = "SECRETS_MANAGER_SECRET_ID"


class SecretError(Exception):
    """A secret cannot be used; the message names the secret, never a value."""


class PlaceholderError(SecretError):
    def __init__(self, secret_id: str, key: str):
        super().__init__(f"{secret_id}: key {key} still holds the placeholder: set its value with secure-lambda set")
        self.secret_id = secret_id
        self.key = key


def read_secret(key: str, get_secret=parameters.get_secret, env=os.environ) -> str:
    """The value of one key of the function's secret, refusing the placeholder.

    Powertools caches the secret for POWERTOOLS_PARAMETERS_MAX_AGE seconds (5 by default) and
    decrypts it through Secrets Manager (the role may use the key only that way). The role may
    read only the AWSCURRENT stage, and the condition holds only when the request names it.
    """
    secret_id = env.get(SECRET_ID_ENV_VAR)
    if not secret_id:
        raise SecretError(f"{SECRET_ID_ENV_VAR} is not set: does the SecureLambda use store secretsmanager?")
    values = get_secret(secret_id, transform="json", VersionStage="AWSCURRENT")
    value = values.get(key) if isinstance(values, dict) else None
    if not isinstance(value, str):
        raise SecretError(f"{secret_id} has no key {key}")
    if value == PLACEHOLDER:
        # Not kept: the next invocation reads again, and finds the value once it is set.
        parameters.clear_caches()
        raise PlaceholderError(secret_id, key)
    return value


# A secret another account or app owns (SecureLambda's externalSecrets): its ARN is in
# <NAME>_SECRET_ARN, the same naming rule as common/external-secret.ts.
SECRET_ARN_SUFFIX = "_SECRET_ARN"


def secret_arn_env_var(name: str) -> str:
    return name.replace("-", "_").replace(".", "_").upper() + SECRET_ARN_SUFFIX


def _boto3_client(service: str, region: str):
    import boto3

    return boto3.client(service, region_name=region)


def read_external_secret(name: str, client_for=_boto3_client, env=os.environ) -> str:
    """The whole value of a secret another account or app owns, read by its ARN in the ARN's region.

    The role may read exactly that ARN (Secrets Manager: AWSCURRENT only) and decrypt it only
    through the store of that region, so the client is made for the region the ARN names.
    """
    variable = secret_arn_env_var(name)
    arn = env.get(variable)
    if not arn:
        raise SecretError(f"{variable} is not set: is {name} in the SecureLambda's externalSecrets?")
    parts = arn.split(":")
    if len(parts) < 6 or parts[2] not in ("secretsmanager", "ssm"):
        raise SecretError(f"{variable} is not a Secrets Manager secret ARN nor an SSM parameter ARN")
    service, region = parts[2], parts[3]
    client = client_for(service, region)
    if service == "secretsmanager":
        value = client.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT").get("SecretString")
    else:
        value = client.get_parameter(Name=arn, WithDecryption=True).get("Parameter", {}).get("Value")
    if not isinstance(value, str):
        raise SecretError(f"{arn} holds no text value")
    if value == PLACEHOLDER:
        raise SecretError(f"{arn} still holds the placeholder: its owner has not set it")
    return value


def slack_message(record: dict) -> dict:
    """The Slack message of one SNS record holding a CloudWatch alarm (or any other text)."""
    message = record["Sns"]["Message"]
    try:
        alarm = json.loads(message)
    except ValueError:
        return {"text": message}
    if not isinstance(alarm, dict):
        return {"text": message}
    return {"text": f"{alarm.get('AlarmName', 'alarm')} is {alarm.get('NewStateValue', '?')}: {alarm.get('NewStateReason', '')}"}


def post(url: str, body: dict) -> int:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status


def handler(event, context, read=read_secret, send=post):
    url = read("slack_webhook_url")
    records = event.get("Records", [])
    for record in records:
        send(url, slack_message(record))
    # Counts only: the URL is a secret.
    print(json.dumps({"posted": len(records)}))
    return {"posted": len(records)}
