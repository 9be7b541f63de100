import { Testing } from "cdktf";

// Adds cdktf's matchers (toHaveResource, toHaveResourceWithProperties, toBeValidTerraform ...).
Testing.setupJest();
