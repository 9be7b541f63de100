"""What npm run package checks of each built wheel, installed with its framework from PyPI: the construct loads
in Python, builds a Python function from `code` with the constants classes, synthesizes, a wrong prop is refused
with a Python exception that names it, and `entry` is refused (no esbuild in the wheel).

Usage: python scripts/package-smoke.py <module> <framework module> <provider module> <workdir>
"""

import importlib
import json
import os
import sys

module, framework, provider, work = sys.argv[1:5]
lib = importlib.import_module(module)
tf = importlib.import_module(framework)
aws = importlib.import_module(f"{provider}.provider")

code = os.path.join(work, "fn")
os.makedirs(code, exist_ok=True)
with open(os.path.join(code, "app.py"), "w") as f:
    f.write("def handler(event, context):\n    return 1\n")

app = tf.App(outdir=os.path.join(work, "out"))
stack = tf.TerraformStack(app, "py")
aws.AwsProvider(stack, "aws", region="eu-west-1")
lib.SecureLambda(
    stack,
    "notifier",
    function_name="py-notifier",
    runtime=lib.LambdaRuntime.PYTHON_3_13,
    handler="app.handler",
    code=lib.FunctionCode(directory=code),
    secrets=["webhook_url"],
    store=lib.SecretStore.SECRETS_MANAGER,
)
try:
    lib.SecureLambda(stack, "bad", function_name="py-bad", runtime="python3.13", handler="app.handler",
                     code=lib.FunctionCode(directory=code), memory_size=1)
    sys.exit("package-smoke: memory_size=1 was not refused")
except RuntimeError as error:
    if "py/bad: invalid memorySize: 1" not in str(error):
        sys.exit(f"package-smoke: the refusal does not name the prop: {error}")
# The wheel carries no esbuild (its binary is per platform): `entry` is refused, saying to give `code`.
entry = os.path.join(work, "handler.ts")
with open(entry, "w") as f:
    f.write("export const handler = async () => 1;\n")
try:
    lib.SecureLambda(stack, "ts", function_name="py-ts", entry=entry)
    sys.exit("package-smoke: entry was bundled without esbuild")
except RuntimeError as error:
    if "esbuild, which bundles entry at synth, is not installed" not in str(error):
        sys.exit(f"package-smoke: entry's refusal does not say why: {error}")
app.synth()
with open(os.path.join(work, "out", "stacks", "py", "cdk.tf.json")) as f:
    synthesized = json.load(f)
function = next(iter(synthesized["resource"]["aws_lambda_function"].values()))
if function["runtime"] != "python3.13" or "aws_secretsmanager_secret" not in synthesized["resource"]:
    sys.exit(f"package-smoke: unexpected synthesis: {sorted(synthesized['resource'])}")
print(f"package-smoke: {module} on {framework} synthesized {len(synthesized['resource'])} resource types in Python")
