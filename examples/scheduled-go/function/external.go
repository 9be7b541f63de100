// Reading a secret another account or app owns (SecureLambda's externalSecrets): the
// environment holds its ARN in `<NAME>_SECRET_ARN` (common/external-secret.ts), and it is read
// whole, by that ARN, in the region the ARN names: the role may read exactly that ARN and
// decrypt it only through the store of that region.
package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// SecretArnVar is the naming rule of common/external-secret.ts: `partner_token` -> `PARTNER_TOKEN_SECRET_ARN`.
func SecretArnVar(secret string) string {
	return strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(secret)) + "_SECRET_ARN"
}

// GetParameterAPI is the SSM call that reads one parameter by ARN (an *ssm.Client, or a fake).
type GetParameterAPI interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, opts ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

// GetSecretValueAPI is the Secrets Manager call that reads one secret by ARN (a *secretsmanager.Client, or a fake).
type GetSecretValueAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// ExternalReaders make the client of each store for a region. SecretString reads a Secrets
// Manager secret's AWSCURRENT SecretString by ARN (SecretsManagerReader makes one); nil refuses
// a Secrets Manager ARN with a clear error.
type ExternalReaders struct {
	SSM          func(region string) GetParameterAPI
	SecretString func(ctx context.Context, region, arn string) (string, error)
}

// NewExternalReaders reads with the SDK's clients, each in the region the ARN names.
func NewExternalReaders(cfg aws.Config) ExternalReaders {
	return ExternalReaders{
		SSM: func(region string) GetParameterAPI {
			return ssm.NewFromConfig(cfg, func(o *ssm.Options) { o.Region = region })
		},
		SecretString: SecretsManagerReader(func(region string) GetSecretValueAPI {
			return secretsmanager.NewFromConfig(cfg, func(o *secretsmanager.Options) { o.Region = region })
		}),
	}
}

// SecretsManagerReader reads a secret's AWSCURRENT SecretString by ARN, with the client of its
// region: the role may read that stage only, and only through Secrets Manager there.
func SecretsManagerReader(client func(region string) GetSecretValueAPI) func(ctx context.Context, region, arn string) (string, error) {
	return func(ctx context.Context, region, arn string) (string, error) {
		out, err := client(region).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
			SecretId:     aws.String(arn),
			VersionStage: aws.String("AWSCURRENT"),
		})
		if err != nil {
			return "", err
		}
		if out.SecretString == nil {
			return "", fmt.Errorf("%s holds binary data, not a SecretString", arn)
		}
		return *out.SecretString, nil
	}
}

// ReadExternalSecret returns the whole value of the external secret `name`.
func ReadExternalSecret(ctx context.Context, readers ExternalReaders, name string, env func(string) string) (string, error) {
	variable := SecretArnVar(name)
	arn := env(variable)
	if arn == "" {
		return "", &MissingVariableError{Variable: variable}
	}
	parts := strings.Split(arn, ":")
	if len(parts) < 6 || (parts[2] != "ssm" && parts[2] != "secretsmanager") {
		return "", fmt.Errorf("%s is not a Secrets Manager secret ARN nor an SSM parameter ARN", variable)
	}
	region := parts[3]
	var value string
	if parts[2] == "ssm" {
		out, err := readers.SSM(region).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(arn), WithDecryption: aws.Bool(true)})
		if err != nil {
			return "", fmt.Errorf("GetParameter of %s: %w", arn, err)
		}
		if out.Parameter == nil {
			return "", &NotFoundError{Parameter: arn}
		}
		value = aws.ToString(out.Parameter.Value)
	} else {
		if readers.SecretString == nil {
			return "", fmt.Errorf("%s is a Secrets Manager secret: give ExternalReaders a SecretString reader", arn)
		}
		read, err := readers.SecretString(ctx, region, arn)
		if err != nil {
			return "", fmt.Errorf("GetSecretValue of %s: %w", arn, err)
		}
		value = read
	}
	if value == Placeholder {
		return "", &PlaceholderError{Parameter: arn}
	}
	return value, nil
}
