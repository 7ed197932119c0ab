package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func result(system string, rss int64, ops ...OpResult) *Result {
	r := &Result{System: system, ServerPeakRSSKB: rss}
	for _, o := range ops {
		r.Phases = append(r.Phases, PhaseResult{Name: o.Op, Seconds: 1, ServerCPU: -1, Ops: []OpResult{o}})
	}
	return r
}

func TestWriteComparison(t *testing.T) {
	configd := result("configd", 200*1024,
		OpResult{Op: "put-new", Count: 31000, Throughput: 31000, P50: 0.5, P99: 2},
		OpResult{Op: "get1", Count: 20000, Throughput: 20000, P50: 0.2, P99: 12},
		OpResult{Op: "history", Count: 9000, Throughput: 9000, P99: 3, Errors: 4, ErrorCodes: map[string]int64{"InternalFailure": 4}})
	moto := result("moto", 0,
		OpResult{Op: "put-new", Count: 1000, Throughput: 1000},
		OpResult{Op: "get1", Count: 1000, Throughput: 1000})
	noop := result("noop", 0,
		OpResult{Op: "get1", Count: 30000, Throughput: 30000},
		OpResult{Op: "history", Count: 10000, Throughput: 10000})
	sized := result("noop-sized", 0, OpResult{Op: "get1", Count: 25000, Throughput: 25000})
	var b bytes.Buffer
	err := writeComparison(&b, []*Result{moto, configd, noop, sized}, configd, moto, []*Result{noop, sized}, targets{minPeer: 30, minCeiling: 0.5, maxP99: 10 * time.Millisecond, maxRSSMB: 300})
	if err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"| put-new configd/moto throughput ≥ 30x | 31.0x | met |",
		"| get1 configd/moto throughput ≥ 30x | 20.0x | **NOT met** |",
		"| get1 configd/noop throughput ≥ 0.5 | 0.67 | met |",
		"| get1 configd/noop-sized throughput ≥ 0.5 | 0.80 | met |",
		"| get1 configd p99 < 10ms | 12.00 ms | **NOT met** |",
		// An op with errors never meets a target, whatever its speed.
		"| history configd/noop throughput ≥ 0.5 | 0.90 (configd had 4 errors) | **NOT met** |",
		"| configd peak RSS < 300 MB | 200.0 MB | met |",
		"| history | configd | 9000 |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("comparison lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "put-new configd/noop") {
		t.Errorf("a ceiling ratio for put-new, which noop did not run:\n%s", out)
	}
}

func TestRunCompare(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, r *Result) string {
		b, _ := json.Marshal(r)
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Two files of one system (one run per op) merge into one result.
	a := write("a.json", result("configd", 100, OpResult{Op: "get1", Throughput: 50, Count: 50}))
	b := write("b.json", result("configd", 300, OpResult{Op: "get10", Throughput: 5, Count: 5}))
	m := write("m.json", result("moto", 0, OpResult{Op: "get1", Throughput: 1, Count: 1}, OpResult{Op: "get10", Throughput: 1, Count: 1}))
	t.Run("OK", func(t *testing.T) {
		var out bytes.Buffer
		if err := runCompare([]string{"-peer", "moto", a, b, m}, &out, &out); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"get1 configd/moto throughput ≥ 30x | 50.0x | met", "get10 configd/moto throughput ≥ 30x | 5.0x | **NOT met**", "configd: server peak RSS (VmHWM) 0.3 MB"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("output lacks %q:\n%s", want, out.String())
			}
		}
	})
	t.Run("ErrNoSubject", func(t *testing.T) {
		var out bytes.Buffer
		if err := runCompare([]string{"-subject", "other", a}, &out, &out); err == nil {
			t.Error("compare without the subject's result succeeded")
		}
	})
}

func TestProcessFigures(t *testing.T) {
	pid := os.Getpid()
	if cpu := processCPU(pid); cpu < 0 {
		t.Errorf("processCPU(self) = %v", cpu)
	}
	if rss := peakRSSKB(pid); rss <= 0 {
		t.Errorf("peakRSSKB(self) = %d", rss)
	}
	if processCPU(0) != -1 || peakRSSKB(0) != 0 || treeCPU(0) != -1 {
		t.Error("figures for pid 0 should be unknown")
	}
}

// TestTreeCPU: the CPU time of a process tree includes a live child's.
func TestTreeCPU(t *testing.T) {
	child := exec.Command("sh", "-c", `i=0; while [ $i -lt 1000000 ]; do i=$((i+1)); done; sleep 30`)
	if err := child.Start(); err != nil {
		t.Skipf("no sh: %v", err)
	}
	t.Cleanup(func() { child.Process.Kill(); child.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for processCPU(child.Process.Pid) < 0.2 {
		if time.Now().After(deadline) {
			t.Skip("the child did not use 0.2 s of CPU within 20 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	self, ok := readStat(os.Getpid())
	if !ok {
		t.Fatal("readStat(self) failed")
	}
	childCPU := processCPU(child.Process.Pid)
	tree := treeCPU(os.Getpid())
	if own := self.utime + self.stime + self.cutime + self.cstime; tree < own+childCPU {
		t.Fatalf("treeCPU(self) = %.2f s; want at least its own %.2f s plus the child's %.2f s", tree, own, childCPU)
	}
	if st, ok := readStat(child.Process.Pid); !ok || st.ppid != os.Getpid() {
		t.Fatalf("readStat(child) = %+v, %v; want its parent %d", st, ok, os.Getpid())
	}
}
