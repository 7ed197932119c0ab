package main

import (
	"fmt"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/configd/configd"
	"github.com/configd/configd/discovery"
	"github.com/configd/configd/recorder"
)

// upstreamFile is the part of configd's configuration file that says how to
// reach each account's AWS APIs for discovery and remediation:
//
//	accounts:
//	  "123456789012":
//	    endpointUrl: http://127.0.0.1:5000   # moto, LocalStack; omit for AWS
//	    accessKeyId: AKIA...                  # or profile, or the SDK's chain
//	    secretAccessKey: ...
//	    profile: prod
//	    roleArn: arn:aws:iam::123456789012:role/ConfigReader
//	    assumeRecorderRole: true              # assume each recorder's roleARN
//	default:                                  # accounts not listed
//	  endpointUrl: http://127.0.0.1:5000
//
// An account with no entry, when there is no default, is not discovered:
// configd calls no AWS API it was not told to. Anything not set falls back to the AWS SDK's standard chain
// (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>, AWS_PROFILE, environment
// credentials, ...).
type upstreamFile struct {
	Accounts map[string]upstreamAccount `yaml:"accounts"`
	Default  *upstreamAccount           `yaml:"default"`
}

type upstreamAccount struct {
	EndpointURL        string `yaml:"endpointUrl"`
	AccessKeyID        string `yaml:"accessKeyId"`
	SecretAccessKey    string `yaml:"secretAccessKey"`
	SessionToken       string `yaml:"sessionToken"`
	Profile            string `yaml:"profile"`
	RoleARN            string `yaml:"roleArn"`
	AssumeRecorderRole bool   `yaml:"assumeRecorderRole"`
}

func (a upstreamAccount) upstream() discovery.Upstream {
	return discovery.Upstream{
		AccountSettings: recorder.AccountSettings{
			EndpointURL: a.EndpointURL, AccessKeyID: a.AccessKeyID, SecretAccessKey: a.SecretAccessKey,
			SessionToken: a.SessionToken, Profile: a.Profile, RoleARN: a.RoleARN,
		},
		AssumeRecorderRole: a.AssumeRecorderRole,
	}
}

// loadUpstream reads the configuration file; "" means no file.
func loadUpstream(path string) (discovery.AccountSettings, error) {
	f := upstreamFile{}
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		if err := yaml.Unmarshal(b, &f); err != nil {
			return nil, fmt.Errorf("parse %s: %w", path, err)
		}
		for id := range f.Accounts {
			if !configd.ValidAccountID(id) {
				return nil, fmt.Errorf("%s: account %q is not a 12-digit account id", path, id)
			}
		}
	}
	return func(accountID string) (discovery.Upstream, bool) {
		if a, ok := f.Accounts[accountID]; ok {
			return a.upstream(), true
		}
		if f.Default != nil {
			return f.Default.upstream(), true
		}
		return discovery.Upstream{}, false
	}, nil
}
