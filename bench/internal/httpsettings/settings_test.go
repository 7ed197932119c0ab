package httpsettings

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"
	"time"
)

// TestSettingsMatchConfigd reads the http.Server literal of `configd serve`
// and checks that Server uses the same settings, so that the benchmark's
// servers stay comparable with configd when its settings change.
func TestSettingsMatchConfigd(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "../../../cmd/configd/serve.go", nil, 0)
	if err != nil {
		t.Fatalf("read configd's server settings: %v", err)
	}
	got := map[string]int64{}
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.CompositeLit)
		if !ok {
			return true
		}
		sel, ok := lit.Type.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "Server" {
			return true
		}
		if id, ok := sel.X.(*ast.Ident); !ok || id.Name != "http" {
			return true
		}
		for _, e := range lit.Elts {
			kv, ok := e.(*ast.KeyValueExpr)
			if !ok {
				continue
			}
			key := kv.Key.(*ast.Ident).Name
			if v, ok := evalConst(kv.Value); ok {
				got[key] = v
			}
		}
		return false
	})
	s := Server(nil)
	want := map[string]int64{
		"ReadHeaderTimeout": int64(s.ReadHeaderTimeout),
		"ReadTimeout":       int64(s.ReadTimeout),
		"WriteTimeout":      int64(s.WriteTimeout),
		"IdleTimeout":       int64(s.IdleTimeout),
		"MaxHeaderBytes":    int64(s.MaxHeaderBytes),
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("configd sets http.Server.%s = %d, which httpsettings.Server does not set", k, got[k])
		}
	}
	for k, v := range want {
		g, ok := got[k]
		switch {
		case !ok && v != 0:
			t.Errorf("configd does not set http.Server.%s; httpsettings.Server sets %d", k, v)
		case g != v:
			t.Errorf("http.Server.%s: configd %d, httpsettings.Server %d", k, g, v)
		}
	}
}

// evalConst evaluates the constant expressions configd's settings use:
// integers, time units, *, << and parentheses.
func evalConst(e ast.Expr) (int64, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.INT {
			return 0, false
		}
		v, err := strconv.ParseInt(e.Value, 0, 64)
		return v, err == nil
	case *ast.ParenExpr:
		return evalConst(e.X)
	case *ast.SelectorExpr:
		if id, ok := e.X.(*ast.Ident); ok && id.Name == "time" {
			units := map[string]time.Duration{"Nanosecond": time.Nanosecond, "Microsecond": time.Microsecond,
				"Millisecond": time.Millisecond, "Second": time.Second, "Minute": time.Minute, "Hour": time.Hour}
			u, ok := units[e.Sel.Name]
			return int64(u), ok
		}
	case *ast.BinaryExpr:
		x, ok1 := evalConst(e.X)
		y, ok2 := evalConst(e.Y)
		if !ok1 || !ok2 {
			return 0, false
		}
		switch e.Op {
		case token.MUL:
			return x * y, true
		case token.SHL:
			return x << y, true
		}
	}
	return 0, false
}
