//go:build deployed

// Built only with `-tags deployed`, by the real-deploy suite (__tests__/deploy/examples.deploy.ts):
// it calls the handler with the deployed function's environment, against the SSM endpoint
// the suite points AWS_ENDPOINT_URL_SSM at, and checks what it read. EXPECT says what to
// expect: "placeholder" (no value set yet) or "values" (then EXPECT_GITHUB_TOKEN_LENGTH and
// EXPECT_CHAT_TOKEN_LENGTH). Without EXPECT it fails: it never skips itself.
package main

import (
	"context"
	"errors"
	"os"
	"strconv"
	"testing"
)

func TestDeployedHandler(t *testing.T) {
	result, err := Handler(context.Background())
	switch os.Getenv("EXPECT") {
	case "placeholder":
		var placeholder *PlaceholderError
		if !errors.As(err, &placeholder) {
			t.Fatalf("err = %v, want a PlaceholderError", err)
		}
		t.Logf("refused: %v", err)
	case "values":
		if err != nil {
			t.Fatal(err)
		}
		want := Result{GithubTokenLength: atoi(t, "EXPECT_GITHUB_TOKEN_LENGTH"), ChatTokenLength: atoi(t, "EXPECT_CHAT_TOKEN_LENGTH")}
		if result != want {
			t.Fatalf("result = %+v, want %+v", result, want)
		}
	default:
		t.Fatalf("EXPECT is %q: set it to placeholder or values", os.Getenv("EXPECT"))
	}
}

func atoi(t *testing.T, name string) int {
	n, err := strconv.Atoi(os.Getenv(name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return n
}
