package awsjson

import (
	"net/http"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/keyring"
	"github.com/configd/configd/sigv4"
)

// SigV4Auth verifies every request's SigV4 signature against a keyring; the
// scope is the key's account and the credential scope's region.
type SigV4Auth struct {
	verifier *sigv4.Verifier
	keys     *keyring.Keyring
}

// NewSigV4Auth returns an authenticator over keys; now may be nil.
func NewSigV4Auth(keys *keyring.Keyring, now func() time.Time) *SigV4Auth {
	a := &SigV4Auth{keys: keys}
	a.verifier = &sigv4.Verifier{
		Lookup: func(id string) (string, bool) {
			k, ok := keys.Lookup(id)
			return k.SecretAccessKey, ok
		},
		Now:     now,
		Service: "config",
	}
	return a
}

// Authenticate implements Authenticator.
func (a *SigV4Auth) Authenticate(r *http.Request, body []byte) (configd.Scope, error) {
	cred, err := a.verifier.Verify(r, body)
	if err != nil {
		return configd.Scope{}, err
	}
	k, _ := a.keys.Lookup(cred.AccessKeyID)
	return configd.Scope{AccountID: k.AccountID, Region: cred.Region}, nil
}

// EmulatorAuth accepts any request without checking its signature, as moto
// and LocalStack do: a 12-digit access key ID selects that account, any other
// key (or none) the default account; the region is the credential scope's,
// or us-east-1.
type EmulatorAuth struct{}

// Authenticate implements Authenticator.
func (EmulatorAuth) Authenticate(r *http.Request, _ []byte) (configd.Scope, error) {
	scope := configd.Scope{AccountID: configd.DefaultAccountID, Region: configd.DefaultRegion}
	h := r.Header.Get("Authorization")
	if h == "" {
		return scope, nil
	}
	auth, err := sigv4.ParseAuthorization(h)
	if err != nil {
		return scope, nil
	}
	if configd.ValidAccountID(auth.Credential.AccessKeyID) {
		scope.AccountID = auth.Credential.AccessKeyID
	}
	if auth.Credential.Region != "" {
		scope.Region = auth.Credential.Region
	}
	return scope, nil
}
