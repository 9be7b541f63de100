import { Construct } from "constructs";
import type { Bundle } from "./bundling";
import { ArchiveProvider, AssetType, DataArchiveFile, TerraformAsset, TerraformStack } from "./tf";

/**
 * The zip a function's code comes from: one asset copy and one `archive_file` per stack
 * and bundle, shared by every function built from the same bundle.
 */
export function bundleArchive(scope: Construct, bundle: Bundle): DataArchiveFile {
  const stack = TerraformStack.of(scope);
  const id = `Bundle-${bundle.hash.slice(0, 12)}`;
  const existing = stack.node.tryFindChild(id);
  if (existing) return (existing as Construct).node.findChild("Zip") as DataArchiveFile;

  ensureArchiveProvider(stack);
  const holder = new Construct(stack, id);
  const asset = new TerraformAsset(holder, "Code", { path: bundle.dir, type: AssetType.DIRECTORY, assetHash: bundle.hash });
  return new DataArchiveFile(holder, "Zip", {
    type: "zip",
    sourceDir: asset.path,
    outputPath: `\${path.module}/bundles/${bundle.hash.slice(0, 12)}.zip`,
  });
}

function ensureArchiveProvider(stack: TerraformStack): void {
  if (!stack.node.children.some((child) => child instanceof ArchiveProvider)) {
    new ArchiveProvider(stack, "archive");
  }
}
