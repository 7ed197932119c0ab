package keyring

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadOrCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "credentials.yaml")
	kr, key, created, err := LoadOrCreate(path)
	if err != nil || !created {
		t.Fatalf("LoadOrCreate = %v, created=%v", err, created)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file mode = %v, %v; want 0600", st.Mode().Perm(), err)
	}
	if got, ok := kr.Lookup(key.AccessKeyID); !ok || got.SecretAccessKey != key.SecretAccessKey || got.AccountID != "000000000000" {
		t.Fatalf("Lookup = %+v, %v", got, ok)
	}
	if strings.Contains(key.String(), key.SecretAccessKey) {
		t.Fatal("Key.String reveals the secret")
	}
	kr2, _, created, err := LoadOrCreate(path)
	if err != nil || created {
		t.Fatalf("second LoadOrCreate = %v, created=%v", err, created)
	}
	if got, ok := kr2.Lookup(key.AccessKeyID); !ok || got != key {
		t.Fatalf("reloaded key = %+v", got)
	}
}

func TestLoadErrors(t *testing.T) {
	cases := map[string]string{
		"ErrNoCredentials": "credentials: []\n",
		"ErrBadAccount":    "credentials:\n  - accessKeyId: A\n    secretAccessKey: s\n    accountId: '12'\n",
		"ErrNoSecret":      "credentials:\n  - accessKeyId: A\n    accountId: '123456789012'\n",
		"ErrDuplicate":     "credentials:\n  - {accessKeyId: A, secretAccessKey: s, accountId: '123456789012'}\n  - {accessKeyId: A, secretAccessKey: t, accountId: '123456789012'}\n",
		"ErrYAML":          "credentials: [\n",
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			os.WriteFile(path, []byte(body), 0o600)
			if _, err := Load(path); err == nil {
				t.Fatal("Load accepted a bad file")
			}
		})
	}
	t.Run("OK", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "c.yaml")
		os.WriteFile(path, []byte("credentials:\n  - {accessKeyId: A, secretAccessKey: s, accountId: '123456789012'}\n  - {accessKeyId: B, secretAccessKey: t, accountId: '210987654321'}\n"), 0o600)
		kr, err := Load(path)
		if err != nil || kr.Len() != 2 {
			t.Fatalf("Load = %v", err)
		}
		if k, _ := kr.Lookup("B"); k.AccountID != "210987654321" {
			t.Fatalf("B = %+v", k)
		}
	})
}
