package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// fakeSSM answers GetParameters from a map, recording each call's names and decryption flag.
type fakeSSM struct {
	values map[string]string
	calls  [][]string
	plain  bool
}

func (f *fakeSSM) GetParameters(_ context.Context, in *ssm.GetParametersInput, _ ...func(*ssm.Options)) (*ssm.GetParametersOutput, error) {
	f.calls = append(f.calls, in.Names)
	if !aws.ToBool(in.WithDecryption) {
		f.plain = true
	}
	out := &ssm.GetParametersOutput{}
	for _, name := range in.Names {
		if value, ok := f.values[name]; ok {
			out.Parameters = append(out.Parameters, types.Parameter{Name: aws.String(name), Value: aws.String(value)})
		} else {
			out.InvalidParameters = append(out.InvalidParameters, name)
		}
	}
	return out, nil
}

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParamNameVarFollowsTheNamingRule(t *testing.T) {
	for secret, want := range map[string]string{"github_token": "GITHUB_TOKEN_PARAM_NAME", "chat-token": "CHAT_TOKEN_PARAM_NAME", "a.b": "A_B_PARAM_NAME"} {
		if got := ParamNameVar(secret); got != want {
			t.Errorf("ParamNameVar(%q) = %q, want %q", secret, got, want)
		}
	}
}

func TestReadsEverySecretDecrypted(t *testing.T) {
	fake := &fakeSSM{values: map[string]string{"/n/github_token": "gh-value", "/n/chat_token": "chat-value"}}
	env := envOf(map[string]string{"GITHUB_TOKEN_PARAM_NAME": "/n/github_token", "CHAT_TOKEN_PARAM_NAME": "/n/chat_token"})
	values, err := ReadSecrets(context.Background(), fake, []string{"github_token", "chat_token"}, env)
	if err != nil {
		t.Fatal(err)
	}
	if values["github_token"] != "gh-value" || values["chat_token"] != "chat-value" {
		t.Fatalf("values = %v", values)
	}
	if fake.plain {
		t.Fatal("a call did not ask for decryption")
	}
	if len(fake.calls) != 1 {
		t.Fatalf("%d calls, want 1", len(fake.calls))
	}
}

func TestReadsInBatchesOfTen(t *testing.T) {
	fake := &fakeSSM{values: map[string]string{}}
	env := map[string]string{}
	var secrets []string
	for i := 0; i < 23; i++ {
		secret := fmt.Sprintf("s%d", i)
		secrets = append(secrets, secret)
		env[ParamNameVar(secret)] = "/n/" + secret
		fake.values["/n/"+secret] = "v"
	}
	if _, err := ReadSecrets(context.Background(), fake, secrets, envOf(env)); err != nil {
		t.Fatal(err)
	}
	sizes := []int{}
	for _, call := range fake.calls {
		sizes = append(sizes, len(call))
	}
	if fmt.Sprint(sizes) != "[10 10 3]" {
		t.Fatalf("batch sizes %v, want [10 10 3]", sizes)
	}
}

func TestRefusesThePlaceholderNamingTheParameterNotTheValue(t *testing.T) {
	fake := &fakeSSM{values: map[string]string{"/n/github_token": Placeholder}}
	_, err := ReadSecrets(context.Background(), fake, []string{"github_token"}, envOf(map[string]string{"GITHUB_TOKEN_PARAM_NAME": "/n/github_token"}))
	var placeholder *PlaceholderError
	if !errors.As(err, &placeholder) || placeholder.Parameter != "/n/github_token" {
		t.Fatalf("err = %v, want a PlaceholderError for /n/github_token", err)
	}
	if strings.Contains(err.Error(), Placeholder) {
		t.Fatal("the error holds the placeholder value")
	}
}

func TestRefusesAMissingVariableAndAMissingParameter(t *testing.T) {
	_, err := ReadSecrets(context.Background(), &fakeSSM{}, []string{"github_token"}, envOf(nil))
	var missing *MissingVariableError
	if !errors.As(err, &missing) || missing.Variable != "GITHUB_TOKEN_PARAM_NAME" {
		t.Fatalf("err = %v, want a MissingVariableError", err)
	}
	_, err = ReadSecrets(context.Background(), &fakeSSM{values: map[string]string{}}, []string{"github_token"}, envOf(map[string]string{"GITHUB_TOKEN_PARAM_NAME": "/n/x"}))
	var notFound *NotFoundError
	if !errors.As(err, &notFound) || notFound.Parameter != "/n/x" {
		t.Fatalf("err = %v, want a NotFoundError for /n/x", err)
	}
}

func TestTheCacheReadsOnceAndKeepsNoFailure(t *testing.T) {
	var c Cache
	reads := 0
	failing := func(context.Context) (map[string]string, error) { reads++; return nil, errors.New("throttled") }
	if _, err := c.Get(context.Background(), failing); err == nil {
		t.Fatal("want the read's error")
	}
	ok := func(context.Context) (map[string]string, error) { reads++; return map[string]string{"a": "b"}, nil }
	for i := 0; i < 3; i++ {
		if _, err := c.Get(context.Background(), ok); err != nil {
			t.Fatal(err)
		}
	}
	if reads != 2 {
		t.Fatalf("%d reads, want 2 (the failure, then one)", reads)
	}
}
