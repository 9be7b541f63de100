import { Construct } from "constructs";
import { DataAwsCallerIdentity, DataAwsPartition, DataAwsRegion, TerraformStack } from "./tf";

/** Account, region and partition of the stack's AWS provider, as Terraform references. */
export interface AwsContext {
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  /** DNS suffix of the partition (`amazonaws.com`), for service principals and endpoints. */
  readonly dnsSuffix: string;
}

const CONTEXT_ID = "SecureLambdaAwsContext";

class AwsContextData extends Construct implements AwsContext {
  readonly accountId: string;
  readonly region: string;
  readonly partition: string;
  readonly dnsSuffix: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const partition = new DataAwsPartition(this, "Partition");
    this.accountId = new DataAwsCallerIdentity(this, "Account").accountId;
    this.region = new DataAwsRegion(this, "Region").region;
    this.partition = partition.partition;
    this.dnsSuffix = partition.dnsSuffix;
  }
}

/**
 * One set of data sources per stack, however many functions it holds:
 * a thousand functions must not mean three thousand data lookups at plan time.
 */
export function awsContext(scope: Construct): AwsContext {
  const stack = TerraformStack.of(scope);
  const existing = stack.node.tryFindChild(CONTEXT_ID);
  return existing instanceof AwsContextData ? existing : new AwsContextData(stack, CONTEXT_ID);
}
