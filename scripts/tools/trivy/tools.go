//go:build tools

// Package tools pins Trivy for `npm run tools`: go.mod and go.sum fix every module of its
// build, so the binary is the same on every machine that builds it.
package tools

import _ "github.com/aquasecurity/trivy/cmd/trivy"
