// The scheduled notifier: run by EventBridge Scheduler, it reads its GitHub token and its
// chat token from SSM and would use them to post a digest. It returns only the lengths of
// what it read, and logs nothing secret.
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// Secrets are the names listed in the SecureLambda's `secrets` (main.ts).
var Secrets = []string{"github_token", "chat_token"}

var cache Cache

// Result is what one run reports: what it read, never a value.
type Result struct {
	GithubTokenLength int `json:"githubTokenLength"`
	ChatTokenLength   int `json:"chatTokenLength"`
}

// Handler is the function's handler: one scheduled run.
func Handler(ctx context.Context) (Result, error) {
	values, err := cache.Get(ctx, func(ctx context.Context) (map[string]string, error) {
		cfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, err
		}
		return ReadSecrets(ctx, ssm.NewFromConfig(cfg), Secrets, os.Getenv)
	})
	if err != nil {
		return Result{}, err
	}
	log.Printf("read %d secrets", len(values))
	return Result{GithubTokenLength: len(values["github_token"]), ChatTokenLength: len(values["chat_token"])}, nil
}

func main() {
	lambda.Start(Handler)
}
