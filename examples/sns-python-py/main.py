"""The alarm notifier of examples/sns-python, as a Python app: a CloudWatch alarm publishes to an SNS
topic, which invokes a Python function that posts the alarm to Slack, its webhook URL kept in Secrets
Manager. The same system and the same function (examples/sns-python/function); only the infrastructure
code is Python, on cdktf with the secure-lambda wheel (`npm run package` builds it).

`./build.sh` puts the function and its dependencies in build/ first (the directory is zipped at synth).
"""

import os

from cdktf import App, TerraformStack
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from constructs import Construct
from secure_lambda import FunctionCode, LambdaRuntime, SecretStore, SecureLambda

HERE = os.path.dirname(os.path.abspath(__file__))


class AlarmNotifierStack(TerraformStack):
    def __init__(self, scope: Construct, id: str):
        super().__init__(scope, id)
        AwsProvider(self, "aws", region="eu-west-1")

        # The topic is this stack's here; a topic of another stack is named by its ARN string. An
        # encrypted topic's key policy must let CloudWatch (to publish) and SNS use its key: that key
        # policy is the topic owner's to write.
        alarms = SnsTopic(self, "alarms", name="sns-python-py-alarms")

        SecureLambda(
            self,
            "alerts",
            function_name="sns-python-py-alerts",
            # Absolute: a relative directory would be resolved against the directory synth runs in.
            code=FunctionCode(directory=os.path.join(HERE, "build")),
            runtime=LambdaRuntime.PYTHON_3_13,
            handler="app.handler",
            secrets=["slack_webhook_url"],
            store=SecretStore.SECRETS_MANAGER,
            sns_topic_arns=[alarms.arn],
        )

        # What publishes to the topic: an alarm on errors of some service of the account.
        CloudwatchMetricAlarm(
            self,
            "errors",
            alarm_name="sns-python-py-errors",
            namespace="AWS/Lambda",
            metric_name="Errors",
            dimensions={"FunctionName": "some-service"},
            statistic="Sum",
            period=300,
            evaluation_periods=1,
            threshold=1,
            comparison_operator="GreaterThanOrEqualToThreshold",
            alarm_actions=[alarms.arn],
            ok_actions=[alarms.arn],
        )


if __name__ == "__main__":
    app = App()
    AlarmNotifierStack(app, "sns-python-py")
    app.synth()
