"""Unit tests of the alarm notifier, with Powertools' get_secret and the HTTP post faked."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "function"))

import app  # noqa: E402

SECRET_ID = "sns-python-alerts/secrets"
ENV = {"SECRETS_MANAGER_SECRET_ID": SECRET_ID}


def fake_get_secret(values, calls):
    def get_secret(name, transform=None, **sdk_options):
        calls.append((name, transform, sdk_options))
        return values

    return get_secret


class ReadSecret(unittest.TestCase):
    def test_reads_the_key_of_the_current_version_as_json(self):
        calls = []
        url = app.read_secret("slack_webhook_url", fake_get_secret({"slack_webhook_url": "https://example.invalid/hook"}, calls), ENV)
        self.assertEqual(url, "https://example.invalid/hook")
        self.assertEqual(calls, [(SECRET_ID, "json", {"VersionStage": "AWSCURRENT"})])

    def test_refuses_the_placeholder_naming_the_key_never_the_value(self):
        with self.assertRaises(app.PlaceholderError) as caught:
            app.read_secret("slack_webhook_url", fake_get_secret({"slack_webhook_url": app.PLACEHOLDER}, []), ENV)
        self.assertIn("slack_webhook_url", str(caught.exception))
        self.assertNotIn(app.PLACEHOLDER, str(caught.exception))

    def test_refuses_a_missing_key_and_a_missing_variable(self):
        with self.assertRaises(app.SecretError):
            app.read_secret("slack_webhook_url", fake_get_secret({}, []), ENV)
        with self.assertRaises(app.SecretError):
            app.read_secret("slack_webhook_url", fake_get_secret({}, []), {})


class Handler(unittest.TestCase):
    def test_posts_each_alarm_to_the_webhook(self):
        sent = []
        alarm = {"AlarmName": "errors", "NewStateValue": "ALARM", "NewStateReason": "Threshold crossed"}
        event = {"Records": [{"Sns": {"Message": json.dumps(alarm)}}, {"Sns": {"Message": "plain text"}}]}
        result = app.handler(event, None, read=lambda key: "https://example.invalid/hook", send=lambda url, body: sent.append((url, body)))
        self.assertEqual(result, {"posted": 2})
        self.assertEqual(
            sent,
            [
                ("https://example.invalid/hook", {"text": "errors is ALARM: Threshold crossed"}),
                ("https://example.invalid/hook", {"text": "plain text"}),
            ],
        )

    def test_posts_nothing_when_the_secret_is_refused(self):
        sent = []

        def refuse(key):
            raise app.PlaceholderError(SECRET_ID, key)

        with self.assertRaises(app.PlaceholderError):
            app.handler({"Records": [{"Sns": {"Message": "x"}}]}, None, read=refuse, send=lambda url, body: sent.append(body))
        self.assertEqual(sent, [])


class ReadExternalSecret(unittest.TestCase):
    SECRET_ARN = "arn:aws:secretsmanager:us-east-1:444455556666:secret:partner/token-AbCdEf"
    PARAMETER_ARN = "arn:aws:ssm:eu-central-1:444455556666:parameter/partner/key"

    def fake_clients(self, calls, value="fake-external-value"):
        class Client:
            def __init__(self, service, region):
                self.service, self.region = service, region

            def get_secret_value(self, **kwargs):
                calls.append((self.service, self.region, kwargs))
                return {"SecretString": value}

            def get_parameter(self, **kwargs):
                calls.append((self.service, self.region, kwargs))
                return {"Parameter": {"Value": value}}

        return Client

    def test_reads_a_secret_by_arn_in_the_arns_region_asking_for_awscurrent(self):
        calls = []
        env = {"PARTNER_TOKEN_SECRET_ARN": self.SECRET_ARN}
        self.assertEqual(app.read_external_secret("partner_token", self.fake_clients(calls), env), "fake-external-value")
        self.assertEqual(calls, [("secretsmanager", "us-east-1", {"SecretId": self.SECRET_ARN, "VersionStage": "AWSCURRENT"})])

    def test_reads_a_parameter_by_arn_decrypted_in_the_arns_region(self):
        calls = []
        env = {"PARTNER_KEY_SECRET_ARN": self.PARAMETER_ARN}
        app.read_external_secret("partner-key", self.fake_clients(calls), env)
        self.assertEqual(calls, [("ssm", "eu-central-1", {"Name": self.PARAMETER_ARN, "WithDecryption": True})])

    def test_refuses_the_placeholder_and_a_missing_variable(self):
        env = {"PARTNER_TOKEN_SECRET_ARN": self.SECRET_ARN}
        with self.assertRaises(app.SecretError) as caught:
            app.read_external_secret("partner_token", self.fake_clients([], app.PLACEHOLDER), env)
        self.assertNotIn(app.PLACEHOLDER, str(caught.exception))
        with self.assertRaises(app.SecretError):
            app.read_external_secret("partner_token", self.fake_clients([]), {})


if __name__ == "__main__":
    unittest.main()
