/** The CLI's help texts: `secure-lambda --help` and `secure-lambda <command> --help`. */

export const USAGE = `Usage: secure-lambda <command> [options]

Set, check, roll back and import the real values of the secrets that SecureLambda
creates as placeholders, in SSM Parameter Store or Secrets Manager. Run it in the app's
directory after cdktf synth: the stacks, functions, secrets and stores come from the
synthesized output (cdktf.out/, or --output <dir>), and each stack's AWS provider block
says the region, endpoints and allowed accounts. (In the secure-lambda repository itself:
npm run secrets -- <command>, on npm run synth's output.)

Commands:
  set <stack> <function> <secret>        write a secret's value, read from stdin or a hidden prompt
  status [<stack>...] [--json]           whether each secret is set; exits 1 if any is not
  history <stack> <function> <secret>    each version with its date and writer; never a value
  rollback <stack> <function> <secret> [--to <version>]
                                         make the previous value (or that version's) current again
  import <stack> [<function>]            set several secrets from a dotenv text on stdin
  audit [<stack>...] [--synthesized <dir>] [--deployer <stack> [--policy-out <file>]] [--json] [--no-scan]
                                         prove least privilege and analyse who the app's policies let
                                         in; needs @cloud-copilot/iam-simulate (see audit --help)

Options:
  --output <dir>, -o <dir>   the synthesized output to read (default: cdktf.json's "output", else cdktf.out)
  --help, -h                 this text, or a command's

Examples:
  npx --no secure-lambda set dev notifier-dev github_token               # prompts, input hidden
  pbpaste | npx --no secure-lambda set dev notifier-dev slack_webhook_url
  npx --no secure-lambda status dev
  npx --no secure-lambda import dev notifier-dev < secrets.env

Credentials: as for the AWS CLI (AWS_PROFILE, an SSO login, or AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY), unless the stack's provider names its own. Before writing, a stack
whose provider sets allowed_account_ids is written only with credentials of those accounts.

Exit codes: 0 done (status: every secret set), 1 a secret is not set or AWS refused,
2 bad usage, 3 no AWS credentials found.

Run "secure-lambda <command> --help" for a command's details.
`;

export const HELP: Readonly<Record<string, string>> = {
  set: `Usage: secure-lambda set <stack> <function> <secret> [--output <dir>]

Reads the value from standard input when it is piped (taken whole, several lines too;
one trailing newline is dropped), or from a hidden prompt on a terminal (one line: a
pasted value of several lines is refused, never cut; pipe it instead); never from an
argument, which shell history and the process list would keep. Prints the new version,
never the value.

Where it goes is what the stack's record says for the function:
  ssm (default)    its SecureString parameter (<parameterPrefix>/<secret>), written with
                   the key, description and tier the parameter has, so the next deploy
                   plans no change
  secretsmanager   the key <secret> of the JSON in the function's secret; the other keys
                   are kept, and a concurrent change by another writer is detected and
                   retried, never overwritten

Refuses an empty value, the placeholder, a value over the store's size limit, a parameter
or secret the stack has not created yet (deploy first), and credentials of an account the
stack's allowed_account_ids exclude.

  pbpaste | npx --no secure-lambda set dev notifier-dev github_token
  npx --no secure-lambda set dev notifier-dev github_token      # prompts, input hidden
`,
  status: `Usage: secure-lambda status [<stack>...] [--json] [--output <dir>]

Prints one line per secret of every function in the stacks named (every stack without a
name), whatever its store: set, placeholder (never set), missing key (not in the JSON of
a Secrets Manager secret created before the secret was added), invalid (the Secrets
Manager secret is not a JSON object, which set will not overwrite, or the key's value is
not a string) or missing (not deployed?), with its version and last-modified date; never
a value. Reads each parameter or secret once. --json prints the same as one JSON object,
{ "ready": ..., "secrets": [...] }.
Exits 1 when any secret is not set, so a pipeline can gate a deploy on it.

  npx --no secure-lambda status prod || exit 1      # in a pipeline, before deploying
`,
  history: `Usage: secure-lambda history <stack> <function> <secret> [--json] [--output <dir>]

Prints every version the store keeps of the secret, oldest first: the version (SSM's
number, or the Secrets Manager VersionId), when it was written, who wrote it (SSM's
LastModifiedUser; Secrets Manager does not record it), what it holds (the placeholder, a
value, or for Secrets Manager a value this version did not change) and its labels.
Never a value: the values are read (decrypted) only to tell these apart.

  npx --no secure-lambda history prod notifier-prod github_token
`,
  rollback: `Usage: secure-lambda rollback <stack> <function> <secret> [--to <version>] [--output <dir>]

Makes an earlier value current again, without it leaving the process: the previous value
(the latest earlier version holding another value; rolling back twice goes back and
forth), or the one of --to <version> (a version history prints; for Secrets Manager also
a staging label such as AWSPREVIOUS).
  ssm              writes that version's value as a new version, with the parameter's
                   own settings, as set does
  secretsmanager   a new version with only this key's earlier value, the other keys as
                   they are now, made current with the same version check as set
Refuses the placeholder (the function would refuse to run), and credentials of an account
the stack's allowed_account_ids exclude.

  npx --no secure-lambda rollback prod notifier-prod github_token
  npx --no secure-lambda rollback prod notifier-prod github_token --to 3
`,
  import: `Usage: secure-lambda import <stack> [<function>] [--output <dir>] < secrets.env

Sets several secrets at once from a dotenv text on standard input: NAME=value lines,
where NAME is the secret's name (github_token) or its variable spelling (GITHUB_TOKEN).
A value may be quoted: 'single' keeps everything, "double" reads \\n \\r \\t \\" \\\\, and
either may span lines (a PEM key). Unquoted, a value runs to the end of its line. Blank
lines and # comments are skipped; export NAME=value works too.

Everything is checked before anything is written: every name against the stack (or the
function), every value, every parameter and secret in AWS, the account. Any problem
refuses the whole input. Then each SSM parameter gets a new version, and each Secrets
Manager secret one new version holding all its changed keys; a value already there is
not written again. Prints each secret's new version; nothing of a value is echoed.

  npx --no secure-lambda import dev notifier-dev < secrets.env
`,
};
