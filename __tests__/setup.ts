import { Testing } from "../constructs/tf";

// Adds cdktf's matchers (toHaveResource, toHaveResourceWithProperties, toBeValidTerraform ...).
Testing.setupJest();
