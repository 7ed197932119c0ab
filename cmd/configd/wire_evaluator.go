package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"gopkg.in/yaml.v3"

	"github.com/configd/configd"
	"github.com/configd/configd/evaluator"
	"github.com/configd/configd/recorder"
)

// functionsFile is the part of configd's configuration file (--config) that
// says where the functions of Lambda-style rules (Owner CUSTOM_LAMBDA) run:
//
//	functions:
//	  "arn:aws:lambda:us-east-1:123456789012:function:my-rule":
//	    python: rules/my_rule.py        # a Lambda Python handler file, run
//	    handler: lambda_handler         #   through configd's Lambda shim
//	  "arn:aws:lambda:us-east-1:123456789012:function:other":
//	    command: ["./other-rule"]       # any program: the event on stdin
//	    dir: rules
//	    env: {LOG_LEVEL: debug}
//	    timeout: 30s
//	lambda:
//	  endpointUrl: http://127.0.0.1:4566  # Lambda API for ARNs not listed
//	  invocationType: Event               # or RequestResponse
//
// A local function gets AWS_ENDPOINT_URL (configd's URL), the credentials of
// the rule's account and its region in its environment, so a rule calling
// boto3's put_evaluations answers configd unchanged. A function ARN that is
// not listed is invoked through the Lambda Invoke API of the rule's account,
// reached as the account's upstream says (accounts/default: endpointUrl,
// credentials), or lambda.endpointUrl when set. Relative paths are relative
// to the configuration file.
type functionsFile struct {
	Functions map[string]functionEntry `yaml:"functions"`
	Lambda    struct {
		EndpointURL    string `yaml:"endpointUrl"`
		InvocationType string `yaml:"invocationType"`
	} `yaml:"lambda"`
}

type functionEntry struct {
	Command     []string          `yaml:"command"`
	Python      string            `yaml:"python"`
	Handler     string            `yaml:"handler"`
	Interpreter string            `yaml:"interpreter"`
	Dir         string            `yaml:"dir"`
	Env         map[string]string `yaml:"env"`
	Timeout     time.Duration     `yaml:"timeout"`
}

// loadFunctions reads the functions of the configuration file at path ("":
// none) into fns.
func (m *Main) loadFunctions(path string, fns *evaluator.Functions) error {
	if path == "" {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var f functionsFile
	if err := yaml.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("parse %s: %w", path, err)
	}
	base := filepath.Dir(path)
	rel := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(base, p)
	}
	for arn, e := range f.Functions {
		var cmd *evaluator.Command
		switch {
		case e.Python != "" && len(e.Command) > 0:
			return fmt.Errorf("%s: function %s: give python or command, not both", path, arn)
		case e.Python != "":
			cmd = evaluator.PythonHandler(e.Interpreter, rel(e.Python), e.Handler)
		case len(e.Command) > 0:
			cmd = &evaluator.Command{Args: e.Command}
		default:
			return fmt.Errorf("%s: function %s: give python (a handler file) or command", path, arn)
		}
		cmd.Dir = rel(e.Dir)
		cmd.Timeout = e.Timeout
		for k, v := range e.Env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		cmd.Endpoint = m.URL
		cmd.Credentials = m.functionCredentials
		fns.Local[arn] = cmd
	}
	fns.InvocationType = f.Lambda.InvocationType
	if f.Lambda.EndpointURL != "" {
		accounts := fns.LambdaConfig
		endpoint := f.Lambda.EndpointURL
		fns.LambdaConfig = func(ctx context.Context, scope configd.Scope) (aws.Config, bool, error) {
			cfg, ok, err := accounts(ctx, scope)
			if err != nil {
				return cfg, ok, err
			}
			if !ok {
				if cfg, err = recorder.AWSConfig(ctx, recorder.AccountSettings{Region: scope.Region}); err != nil {
					return cfg, false, err
				}
			}
			cfg.BaseEndpoint = aws.String(endpoint)
			return cfg, true, nil
		}
	}
	return nil
}

// functionCredentials returns the access key a local function of the
// account signs its calls to configd with: a key of the account from the
// credentials file, or in emulator mode the account id itself (which
// selects the account).
func (m *Main) functionCredentials(accountID string) (evaluator.Credentials, bool) {
	if m.Config.AcceptAnyCredentials || m.Keys == nil {
		return evaluator.Credentials{AccessKeyID: accountID, SecretAccessKey: "configd"}, true
	}
	k, ok := m.Keys.ForAccount(accountID)
	return evaluator.Credentials{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey}, ok
}

// wireEvaluator creates the rule evaluation engine and adds it to m.engines
// and m.API: recording an item wakes it, it stores results through the
// service (so compliance listeners such as automatic remediation hear of
// them) and seals result tokens with m.Tokens.
func (m *Main) wireEvaluator() error {
	if m.Config.noEvaluator {
		return nil
	}
	accounts, err := loadUpstream(m.Config.ConfigFile)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	fns := &evaluator.Functions{Local: map[string]evaluator.Function{}}
	fns.LambdaConfig = func(ctx context.Context, scope configd.Scope) (aws.Config, bool, error) {
		up, ok := accounts(scope.AccountID)
		if !ok {
			return aws.Config{}, false, nil
		}
		settings := up.AccountSettings
		settings.Region = scope.Region
		cfg, err := recorder.AWSConfig(ctx, settings)
		return cfg, err == nil, err
	}
	if err := m.loadFunctions(m.Config.ConfigFile, fns); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	eng := evaluator.New(evaluator.Options{
		Store:     m.Store,
		Results:   m.Service,
		Tokens:    m.Tokens,
		Clock:     m.Clock,
		Logger:    m.Logger,
		Functions: fns,
		// Zero (tests that build a ServeConfig by hand) is the default.
		ScheduleInterval: m.Config.ScheduleInterval,
	})
	m.Service.SetEvaluationWaker(eng.Wake)
	// Engines stop in reverse order: the waker goes first.
	m.engines = append(m.engines, eng, stopFunc(func() { m.Service.SetEvaluationWaker(nil) }))
	m.API.Evaluations = eng
	return nil
}

// evaluator returns the rule evaluation engine.
func (m *Main) evaluator() *evaluator.Engine {
	for _, e := range m.engines {
		if ev, ok := e.(*evaluator.Engine); ok {
			return ev
		}
	}
	return nil
}

// stopFunc is an engine that only runs a function when stopped.
type stopFunc func()

func (stopFunc) Start(context.Context) {}
func (f stopFunc) Stop()               { f() }
