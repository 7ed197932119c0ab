package client

import (
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const modulePath = "github.com/configd/configd"

// allowedImport reports whether a file of this package may import path: the
// standard library, aws-sdk-go-v2, smithy-go, and this package itself (the
// external test package imports it).
func allowedImport(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	switch {
	case !strings.Contains(first, "."):
		return true // standard library
	case path == "github.com/aws/aws-sdk-go-v2" || strings.HasPrefix(path, "github.com/aws/aws-sdk-go-v2/"):
		return true
	case path == "github.com/aws/smithy-go" || strings.HasPrefix(path, "github.com/aws/smithy-go/"):
		return true
	case path == modulePath+"/client":
		return true
	}
	return false
}

// TestDirectImports parses every Go file of the package, tests included,
// and fails on any import outside the SDK, smithy-go and the standard
// library. It needs no go command, so it always runs.
func TestDirectImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("glob: %v (%d files)", err, len(files))
	}
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if !allowedImport(path) {
				t.Errorf("%s imports %q; package client may import only the standard library, aws-sdk-go-v2 and smithy-go", name, path)
			}
		}
	}
}

// TestNoServerPackages lists the transitive dependencies of the package and
// its tests with `go list -deps -test` and fails if any configd package
// other than client itself is among them.
func TestNoServerPackages(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found; TestDirectImports still checks direct imports")
	}
	cmd := exec.Command(goTool, "list", "-deps", "-test", "-f", "{{.ImportPath}}", ".")
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go list: %v\n%s", err, stderr)
	}
	seen := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		// Test variants look like "pkg [pkg.test]"; the test main is
		// "pkg.test" and the external test package "pkg_test".
		path, _, _ := strings.Cut(line, " ")
		path = strings.TrimSuffix(strings.TrimSuffix(path, ".test"), "_test")
		if path != modulePath && !strings.HasPrefix(path, modulePath+"/") {
			continue
		}
		seen++
		if path != modulePath+"/client" {
			t.Errorf("package client depends on %s; it must not import configd's server packages", line)
		}
	}
	if seen == 0 {
		t.Fatalf("go list did not list the client package itself; output:\n%s", out)
	}
}
