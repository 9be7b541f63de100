// Reading a SecureLambda function's secrets with the AWS SDK for Go v2: the environment holds
// only the parameter names (`<SECRET>_PARAM_NAME`), the values come from SSM, decrypted, in
// batches of 10 (GetParameters' limit), once per cold start. Same rules as the TypeScript
// loader: the placeholder is refused, and no value is ever logged or put in an error.
package main

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// Placeholder is the value SecureLambda creates every parameter with (constructs/naming.ts,
// PLACEHOLDER_VALUE): a secret still holding it was never set.
const Placeholder = "SECURE_LAMBDA_PLACEHOLDER_SET_THE_REAL_VALUE_OUT_OF_BAND"

// batchSize is the most names one GetParameters call takes.
const batchSize = 10

// GetParametersAPI is the one SSM call the reader makes (an *ssm.Client, or a fake in tests).
type GetParametersAPI interface {
	GetParameters(ctx context.Context, in *ssm.GetParametersInput, opts ...func(*ssm.Options)) (*ssm.GetParametersOutput, error)
}

// ParamNameVar is the naming rule of constructs/naming.ts: `github_token` -> `GITHUB_TOKEN_PARAM_NAME`.
func ParamNameVar(secret string) string {
	return strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(secret)) + "_PARAM_NAME"
}

// MissingVariableError: the function's environment does not name a secret's parameter.
type MissingVariableError struct{ Variable string }

func (e *MissingVariableError) Error() string {
	return fmt.Sprintf("%s is not set: is the secret listed in the SecureLambda's secrets?", e.Variable)
}

// NotFoundError: SSM has no such parameter (or the role may not read it).
type NotFoundError struct{ Parameter string }

func (e *NotFoundError) Error() string { return fmt.Sprintf("parameter %s not found", e.Parameter) }

// PlaceholderError: the parameter still holds the placeholder; set it with `secure-lambda set`.
type PlaceholderError struct{ Parameter string }

func (e *PlaceholderError) Error() string {
	return fmt.Sprintf("parameter %s still holds the placeholder: set its value with secure-lambda set", e.Parameter)
}

// ReadSecrets returns the value of each secret, by secret name, reading the parameter names
// from `env` (os.Getenv in the function).
func ReadSecrets(ctx context.Context, client GetParametersAPI, secrets []string, env func(string) string) (map[string]string, error) {
	names := make([]string, 0, len(secrets))
	secretOf := make(map[string]string, len(secrets))
	for _, secret := range secrets {
		variable := ParamNameVar(secret)
		name := env(variable)
		if name == "" {
			return nil, &MissingVariableError{Variable: variable}
		}
		names = append(names, name)
		secretOf[name] = secret
	}
	values := make(map[string]string, len(secrets))
	for start := 0; start < len(names); start += batchSize {
		batch := names[start:min(start+batchSize, len(names))]
		out, err := client.GetParameters(ctx, &ssm.GetParametersInput{Names: batch, WithDecryption: aws.Bool(true)})
		if err != nil {
			// The SDK's error names the operation and the status, never a value.
			return nil, fmt.Errorf("GetParameters for %d parameter(s): %w", len(batch), err)
		}
		if len(out.InvalidParameters) > 0 {
			return nil, &NotFoundError{Parameter: out.InvalidParameters[0]}
		}
		for _, parameter := range out.Parameters {
			name, value := aws.ToString(parameter.Name), aws.ToString(parameter.Value)
			if value == Placeholder {
				return nil, &PlaceholderError{Parameter: name}
			}
			values[secretOf[name]] = value
		}
	}
	for _, name := range names {
		if _, ok := values[secretOf[name]]; !ok {
			return nil, &NotFoundError{Parameter: name}
		}
	}
	return values, nil
}

// Cache holds the values of one cold start: read once, kept for the life of the execution
// environment; a failed read is not kept, so the next invocation tries again.
type Cache struct {
	mu     sync.Mutex
	values map[string]string
}

// Get returns the cached values, reading them first if there are none yet.
func (c *Cache) Get(ctx context.Context, read func(context.Context) (map[string]string, error)) (map[string]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.values != nil {
		return c.values, nil
	}
	values, err := read(ctx)
	if err != nil {
		return nil, err
	}
	c.values = values
	return values, nil
}
