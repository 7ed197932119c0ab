package sigv4

import (
	"errors"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"github.com/configd/configd"
)

// wantErr fails t unless err is a *configd.Error with the code and, if msg
// is not empty, exactly the message.
func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var e *configd.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *configd.Error %s", err, err, code)
	}
	if e.Code != code {
		t.Fatalf("code = %s (%q), want %s", e.Code, e.Message, code)
	}
	if msg != "" && e.Message != msg {
		t.Fatalf("message = %q\nwant      %q", e.Message, msg)
	}
}

// TestImports keeps the package pure: standard library computation, the
// root package, and net/http only for its request type. No file, network
// or process access, no logging.
func TestImports(t *testing.T) {
	allowed := map[string]bool{
		"crypto/hmac": true, "crypto/sha256": true, "encoding/base64": true, "encoding/hex": true,
		"fmt": true, "net/http": true, "sort": true, "strconv": true, "strings": true, "time": true,
		"unicode/utf8": true, "github.com/configd/configd": true,
		"sync": true, "sync/atomic": true, // the signing-key cache
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if p := strings.Trim(imp.Path.Value, `"`); !allowed[p] {
				t.Errorf("%s imports %s", name, p)
			}
		}
	}
	if len(files) == 0 {
		t.Fatal("no files checked")
	}
}
