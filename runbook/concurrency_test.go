package runbook

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/configd/configd"
)

// TestConcurrentRuns runs runbooks from many goroutines while the documents
// directory is reloaded: executions share no state but the registry (run
// with -race).
func TestConcurrentRuns(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		dir := t.TempDir()
		doc := `
schemaVersion: "0.3"
parameters:
  Name: {type: String}
mainSteps:
  - {name: Wait, action: "aws:sleep", inputs: {Duration: PT1M}}
  - name: Echo
    action: aws:executeScript
    inputs: {Runtime: shell, Script: cat, InputPayload: {name: "{{ Name }}"}}
    outputs: [{Name: Name, Selector: $.Payload.name, Type: String}]
outputs: [Echo.Name]
`
		if err := os.WriteFile(filepath.Join(dir, "Echo-Doc.yaml"), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := NewRegistry(dir)
		if err != nil {
			t.Fatal(err)
		}
		env, _ := testEnv("http://127.0.0.1:1")
		counter := &storeCounter{}
		env.Counter = counter.Counter
		var wg sync.WaitGroup
		var failures atomic.Int32
		errs := make(chan error, 64)
		for i := 0; i < 16; i++ {
			wg.Add(3)
			go func() {
				defer wg.Done()
				if err := r.Reload(); err != nil {
					errs <- err
				}
			}()
			go func(i int) {
				defer wg.Done()
				rb, ok := r.Lookup("Echo-Doc")
				if !ok {
					t.Error("Echo-Doc missing during Reload")
					return
				}
				d := rb.(*Document)
				name := "n" + formatName(i)
				out, err := d.Execute(context.Background(), env, map[string][]string{"Name": {name}}, func(configd.StepDetail) {})
				if err != nil {
					errs <- err
					return
				}
				if out["Echo.Name"] != name {
					t.Errorf("run %d got %v", i, out["Echo.Name"])
				}
			}(i)
			go func() {
				defer wg.Done()
				rb, _ := r.Lookup(TestRunbookName)
				if err := rb.Run(context.Background(), env, map[string][]string{"ResourceId": {"shared"}, "FailTimes": {"8"}}, func(configd.StepDetail) {}); err != nil {
					failures.Add(1) // the first 8 fail by design
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if n := failures.Load(); n != 8 {
			t.Fatalf("%d test runbook executions failed, want exactly FailTimes = 8", n)
		}
	})
}

func formatName(i int) string { return string(rune('a'+i%26)) + string(rune('a'+i/26)) }
