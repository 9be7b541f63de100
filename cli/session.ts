import { awsSettings, type AwsSettings } from "./aws-settings";
import { guardAccount } from "./account-guard";
import { type NetworkSettings, stsClientFor } from "./clients";
import type { SecretInput } from "./read-secret";
import { parseArn } from "./record-check";
import { storeClientsFor, type StoreClients } from "./store-client";
import { readSynthesis, type Synthesis, type SynthesizedStack } from "./synthesis";

/** Where the CLI reads and writes; the real process by default, streams in tests. */
export interface CliIo extends SecretInput {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
  /** The app's directory, which `--output` is relative to. @default process.cwd() */
  readonly cwd?: string;
  /** Timeouts and retries of every AWS call. @default DEFAULT_NETWORK */
  readonly network?: NetworkSettings;
}

/** One run of a command: the app's synthesis, read once, and each stack's AWS clients. */
export class Session {
  private read: Synthesis | undefined;

  constructor(
    readonly io: CliIo,
    /** The synthesized output, as `--output` (or cdktf.json, or the default) names it. */
    readonly output: string,
  ) {}

  get synthesis(): Synthesis {
    this.read ??= readSynthesis(this.output, this.io.cwd ?? process.cwd());
    return this.read;
  }

  settings(stack: SynthesizedStack): AwsSettings {
    return awsSettings(stack, this.io.env);
  }

  storeClients(stack: SynthesizedStack): StoreClients {
    return storeClientsFor(this.settings(stack), this.io.network);
  }

  /** The account guard, run before any write to the stack's secrets. */
  guardAccount(stack: SynthesizedStack): Promise<void> {
    const settings = this.settings(stack);
    const arns = stack.functions
      .flatMap((fn) => fn.secrets)
      .map((secret) => ("parameterName" in secret ? secret.parameterName : secret.secretId))
      .filter((name) => parseArn(name) !== undefined);
    return guardAccount(settings, stsClientFor(settings, this.io.network), arns);
  }
}
