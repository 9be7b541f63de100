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


if __name__ == "__main__":
    unittest.main()
