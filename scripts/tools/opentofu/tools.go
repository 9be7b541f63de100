//go:build tools

// Package tools pins OpenTofu for `go build` of its command.
package tools

import _ "github.com/opentofu/opentofu/cmd/tofu"
