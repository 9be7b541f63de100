import { Construct } from "constructs";
import type { Bundle } from "./bundling";
import { ArchiveProvider, AssetType, DataArchiveFile, TerraformAsset, TerraformStack } from "./tf";

/**
 * The zip a function's code comes from: one asset copy and one `archive_file` per stack
 * and bundle, shared by every function built from the same bundle.
 */
export function bundleArchive(scope: Construct, bundle: Bundle): BundleArchive {
  const stack = TerraformStack.of(scope);
  const id = `Bundle-${bundle.hash.slice(0, 12)}`;
  const existing = stack.node.tryFindChild(id);
  return existing instanceof BundleArchive ? existing : new BundleArchive(stack, id, bundle);
}

/** The asset and zip of one bundle in one stack. */
export class BundleArchive extends Construct {
  /** The `archive_file` data source. */
  readonly zip: DataArchiveFile;
  /** Path of the zip, for a function's `filename`. */
  readonly outputPath: string;
  /** Base64 SHA-256 of the zip, for a function's `source_code_hash`. */
  readonly outputBase64Sha256: string;

  constructor(stack: TerraformStack, id: string, bundle: Bundle) {
    super(stack, id);
    ensureArchiveProvider(stack);
    const asset = new TerraformAsset(this, "Code", { path: bundle.dir, type: AssetType.DIRECTORY, assetHash: bundle.hash });
    this.zip = new DataArchiveFile(this, "Zip", {
      type: "zip",
      sourceDir: asset.path,
      outputPath: `\${path.module}/bundles/${bundle.hash.slice(0, 12)}.zip`,
    });
    // Read once: each attribute read creates a token that records a stack trace, and a
    // thousand functions may share this archive.
    this.outputPath = this.zip.outputPath;
    this.outputBase64Sha256 = this.zip.outputBase64Sha256;
  }
}

function ensureArchiveProvider(stack: TerraformStack): void {
  if (!stack.node.children.some((child) => child instanceof ArchiveProvider)) {
    new ArchiveProvider(stack, "archive");
  }
}
