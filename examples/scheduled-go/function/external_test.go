package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

type fakeGetParameter struct {
	region string
	calls  *[]string
	value  string
}

func (f fakeGetParameter) GetParameter(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	*f.calls = append(*f.calls, f.region+" "+aws.ToString(in.Name))
	return &ssm.GetParameterOutput{Parameter: &types.Parameter{Value: aws.String(f.value)}}, nil
}

const partnerParameter = "arn:aws:ssm:eu-central-1:444455556666:parameter/partner/key"

func readersWith(calls *[]string, value string) ExternalReaders {
	return ExternalReaders{SSM: func(region string) GetParameterAPI { return fakeGetParameter{region, calls, value} }}
}

func TestReadsAnExternalParameterByArnInItsRegion(t *testing.T) {
	var calls []string
	env := map[string]string{"PARTNER_KEY_SECRET_ARN": partnerParameter}
	value, err := ReadExternalSecret(context.Background(), readersWith(&calls, "fake-external"), "partner-key", func(k string) string { return env[k] })
	if err != nil || value != "fake-external" {
		t.Fatalf("got %q, %v", value, err)
	}
	if len(calls) != 1 || calls[0] != "eu-central-1 "+partnerParameter {
		t.Fatalf("calls %v", calls)
	}
}

func TestReadsAnExternalSecretByArnInItsRegion(t *testing.T) {
	arn := "arn:aws:secretsmanager:us-east-1:444455556666:secret:partner/token-AbCdEf"
	var asked string
	readers := ExternalReaders{SecretString: func(_ context.Context, region, a string) (string, error) {
		asked = region + " " + a
		return "fake-external", nil
	}}
	env := map[string]string{"PARTNER_TOKEN_SECRET_ARN": arn}
	if _, err := ReadExternalSecret(context.Background(), readers, "partner_token", func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if asked != "us-east-1 "+arn {
		t.Fatalf("asked %q", asked)
	}
}

func TestRefusesThePlaceholderAndAMissingVariable(t *testing.T) {
	var calls []string
	env := map[string]string{"PARTNER_KEY_SECRET_ARN": partnerParameter}
	_, err := ReadExternalSecret(context.Background(), readersWith(&calls, Placeholder), "partner-key", func(k string) string { return env[k] })
	var placeholder *PlaceholderError
	if !errors.As(err, &placeholder) {
		t.Fatalf("got %v", err)
	}
	_, err = ReadExternalSecret(context.Background(), readersWith(&calls, "x"), "partner-key", func(string) string { return "" })
	var missing *MissingVariableError
	if !errors.As(err, &missing) {
		t.Fatalf("got %v", err)
	}
}

type fakeGetSecretValue struct {
	region string
	asked  *[]string
	value  *string
}

func (f fakeGetSecretValue) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	*f.asked = append(*f.asked, f.region+" "+aws.ToString(in.SecretId)+" "+aws.ToString(in.VersionStage))
	return &secretsmanager.GetSecretValueOutput{SecretString: f.value}, nil
}

func TestTheSecretsManagerReaderAsksForTheCurrentValueByArnInItsRegion(t *testing.T) {
	arn := "arn:aws:secretsmanager:us-east-1:444455556666:secret:partner/token-AbCdEf"
	var asked []string
	read := SecretsManagerReader(func(region string) GetSecretValueAPI {
		return fakeGetSecretValue{region, &asked, aws.String("fake-external")}
	})
	env := map[string]string{"PARTNER_TOKEN_SECRET_ARN": arn}
	value, err := ReadExternalSecret(context.Background(), ExternalReaders{SecretString: read}, "partner_token", func(k string) string { return env[k] })
	if err != nil || value != "fake-external" {
		t.Fatalf("got %q, %v", value, err)
	}
	if len(asked) != 1 || asked[0] != "us-east-1 "+arn+" AWSCURRENT" {
		t.Fatalf("asked %v", asked)
	}
	binary := SecretsManagerReader(func(region string) GetSecretValueAPI { return fakeGetSecretValue{region, &asked, nil} })
	if _, err := binary(context.Background(), "us-east-1", arn); err == nil || !strings.Contains(err.Error(), "binary") {
		t.Fatalf("got %v", err)
	}
}

func TestNewExternalReadersMakesAClientOfEachStore(t *testing.T) {
	readers := NewExternalReaders(aws.Config{Region: "eu-west-1"})
	if readers.SSM == nil || readers.SecretString == nil {
		t.Fatal("a store without its reader")
	}
	if _, ok := readers.SSM("eu-central-1").(*ssm.Client); !ok {
		t.Fatal("not an SSM client")
	}
}
