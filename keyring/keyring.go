// Package keyring holds the access keys configd accepts: each an access key
// ID, its secret and the account it acts in. Keys come from a YAML file; on
// first start configd generates one for the default account.
package keyring

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"github.com/configd/configd"
)

// Key is one access key.
type Key struct {
	AccessKeyID     string `yaml:"accessKeyId"`
	SecretAccessKey string `yaml:"secretAccessKey"`
	AccountID       string `yaml:"accountId"`
}

// String hides the secret, so a Key can never be logged with it.
func (k Key) String() string { return k.AccessKeyID + " (account " + k.AccountID + ")" }

type file struct {
	Credentials []Key `yaml:"credentials"`
}

// Keyring maps access key IDs to keys. It is immutable once loaded.
type Keyring struct {
	keys map[string]Key
}

// New returns a Keyring of keys, checking each.
func New(keys []Key) (*Keyring, error) {
	kr := &Keyring{keys: map[string]Key{}}
	for i, k := range keys {
		switch {
		case k.AccessKeyID == "" || k.SecretAccessKey == "":
			return nil, fmt.Errorf("credential %d: accessKeyId and secretAccessKey are required", i+1)
		case !configd.ValidAccountID(k.AccountID):
			return nil, fmt.Errorf("credential %d (%s): accountId must be 12 digits", i+1, k.AccessKeyID)
		case kr.keys[k.AccessKeyID] != Key{}:
			return nil, fmt.Errorf("credential %d: access key %s is listed twice", i+1, k.AccessKeyID)
		}
		kr.keys[k.AccessKeyID] = k
	}
	return kr, nil
}

// Lookup returns the key of an access key ID.
func (kr *Keyring) Lookup(accessKeyID string) (Key, bool) {
	k, ok := kr.keys[accessKeyID]
	return k, ok
}

// ForAccount returns a key of the account (the one with the smallest access
// key ID, so the choice is stable), for configd's own calls back into its
// API, such as a local rule function answering PutEvaluations.
func (kr *Keyring) ForAccount(accountID string) (Key, bool) {
	var best Key
	found := false
	for _, k := range kr.keys {
		if k.AccountID == accountID && (!found || k.AccessKeyID < best.AccessKeyID) {
			best, found = k, true
		}
	}
	return best, found
}

// Len returns the number of keys.
func (kr *Keyring) Len() int { return len(kr.keys) }

// Load reads a credentials file:
//
//	credentials:
//	  - accessKeyId: AKIAEXAMPLE
//	    secretAccessKey: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
//	    accountId: "123456789012"
func Load(path string) (*Keyring, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f file
	if err := yaml.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	if len(f.Credentials) == 0 {
		return nil, fmt.Errorf("%s lists no credentials", path)
	}
	kr, err := New(f.Credentials)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return kr, nil
}

// LoadOrCreate loads path, or, if it does not exist, creates it (mode 0600)
// with one random key for the default account and returns created=true.
func LoadOrCreate(path string) (kr *Keyring, key Key, created bool, err error) {
	kr, err = Load(path)
	if err == nil {
		return kr, Key{}, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, Key{}, false, err
	}
	key = Key{AccessKeyID: "AKID" + randomString(16, upperAlnum), SecretAccessKey: randomString(40, secretChars), AccountID: configd.DefaultAccountID}
	b, err := yaml.Marshal(file{Credentials: []Key{key}})
	if err != nil {
		return nil, Key{}, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, Key{}, false, err
	}
	header := "# configd credentials: the access keys configd accepts, and the account each acts in.\n"
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, Key{}, false, err
	}
	if _, err := f.Write(append([]byte(header), b...)); err != nil {
		f.Close()
		return nil, Key{}, false, err
	}
	if err := f.Close(); err != nil {
		return nil, Key{}, false, err
	}
	kr, err = New([]Key{key})
	return kr, key, true, err
}

const (
	upperAlnum  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	secretChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(err)
		}
		b[i] = alphabet[v.Int64()]
	}
	return string(b)
}
