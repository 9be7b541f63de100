//go:build tools

// Package tools pins the provider module for `go build` of its main package.
package tools

import _ "github.com/hashicorp/terraform-provider-aws"
