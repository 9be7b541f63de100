import { Construct } from "constructs";
import type { CodeArchive } from "./function-code";
import { AssetType, TerraformAsset, TerraformStack } from "./tf";

/**
 * The zip a function's code comes from: one asset copy per stack and zip, shared by every
 * function built from the same bundle (`Bundle-<hash>`) or the same code (`Code-<hash>`).
 */
export function bundleArchive(scope: Construct, bundle: CodeArchive, idPrefix = "Bundle"): BundleArchive {
  const stack = TerraformStack.of(scope);
  const id = `${idPrefix}-${bundle.hash.slice(0, 12)}`;
  const existing = stack.node.tryFindChild(id);
  return existing instanceof BundleArchive ? existing : new BundleArchive(stack, id, bundle);
}

/** The zip of one bundle in one stack, copied into the stack's directory by synth. */
export class BundleArchive extends Construct {
  /** The asset: the zip, under the stack's `assets/`. */
  readonly asset: TerraformAsset;
  /** Path of the zip relative to the stack directory, for a function's `filename`. */
  readonly outputPath: string;
  /** Base64 SHA-256 of the zip, for a function's `source_code_hash`. */
  readonly outputBase64Sha256: string;

  constructor(stack: TerraformStack, id: string, bundle: CodeArchive) {
    super(stack, id);
    // The zip is made at synth time (constructs/zip.ts), byte for byte the same for the
    // same code, or is the user's own zip file: its hash is a literal, known before any
    // plan, and no provider builds it.
    this.asset = new TerraformAsset(this, "Code", {
      path: bundle.zipPath,
      type: AssetType.FILE,
      assetHash: bundle.hash,
    });
    this.outputPath = this.asset.path;
    this.outputBase64Sha256 = bundle.zipSha256;
  }
}
