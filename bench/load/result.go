package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Result is what one run of the load generator measured on one system; the
// run writes it as JSON for the compare command.
type Result struct {
	System      string        `json:"system"`
	URL         string        `json:"url"`
	Concurrency int           `json:"concurrency"`
	Started     time.Time     `json:"started"`
	Host        HostInfo      `json:"host"`
	Verify      string        `json:"verify,omitempty"`
	Preloaded   int           `json:"preloaded"`
	Phases      []PhaseResult `json:"phases"`
	// ServerPeakRSSKB is the server process's VmHWM at the end of the run
	// (the sum over the processes of a system of several), when its pid was
	// given; 0 otherwise. A database server's memory is not included.
	ServerPeakRSSKB int64 `json:"server_peak_rss_kb,omitempty"`
}

// HostInfo describes the machine.
type HostInfo struct {
	CPUs     int    `json:"cpus"`
	CPUModel string `json:"cpu_model"`
	Go       string `json:"go"`
}

// PhaseResult is one phase: its ops' figures and the CPU both sides used.
type PhaseResult struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
	// Exhausted says the phase ended because its distinct requests ran out
	// (the count bound) before the duration.
	Exhausted bool `json:"exhausted,omitempty"`
	// Signed requests and the wall seconds signing them took (before the
	// phase, off the measurement).
	Signed      int     `json:"signed"`
	SignSeconds float64 `json:"sign_seconds"`
	// ClientCPU and ServerCPU are CPU seconds (user+system) used during the
	// measured interval; ServerCPU is -1 when the server's pid is unknown.
	ClientCPU float64 `json:"client_cpu_seconds"`
	ServerCPU float64 `json:"server_cpu_seconds"`
	// DatabaseCPU is the part of ServerCPU that the database server's
	// processes used (with -db-pid; 0 otherwise).
	DatabaseCPU float64    `json:"database_cpu_seconds,omitempty"`
	Ops         []OpResult `json:"ops"`
}

// OpResult holds one op's figures in a phase. Latencies are in
// milliseconds. Count includes error answers (any HTTP response);
// TransportErrors are requests that got no response.
type OpResult struct {
	Op              string           `json:"op"`
	Operation       string           `json:"operation"`
	Count           int64            `json:"count"`
	Errors          int64            `json:"errors"`
	ErrorCodes      map[string]int64 `json:"error_codes,omitempty"`
	TransportErrors int64            `json:"transport_errors,omitempty"`
	FirstError      string           `json:"first_error,omitempty"`
	Throughput      float64          `json:"throughput"`
	P50             float64          `json:"p50_ms"`
	P90             float64          `json:"p90_ms"`
	P99             float64          `json:"p99_ms"`
	Max             float64          `json:"max_ms"`
	Mean            float64          `json:"mean_ms"`
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// hostInfo reads the machine's CPU count and model.
func hostInfo() HostInfo {
	h := HostInfo{CPUs: runtime.NumCPU(), Go: runtime.Version()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer f.Close()
		s := bufio.NewScanner(f)
		for s.Scan() {
			if k, v, ok := strings.Cut(s.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				h.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	return h
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat times; 100 on every
// Linux architecture Go supports.
const clockTicks = 100

// processCPU returns the CPU seconds (user+system) process pid has used,
// from /proc/PID/stat, or -1.
func processCPU(pid int) float64 {
	st, ok := readStat(pid)
	if !ok {
		return -1
	}
	return st.utime + st.stime
}

// treeCPU returns the CPU seconds process pid and its children have used:
// its own, that of its children alive now and that of the children it
// reaped (cutime, cstime: a child counts once, alive or reaped), or -1.
// PostgreSQL serves each connection in a child of the postmaster.
func treeCPU(pid int) float64 {
	st, ok := readStat(pid)
	if !ok {
		return -1
	}
	sum := st.utime + st.stime + st.cutime + st.cstime
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return -1
	}
	for _, d := range dirs {
		child, err := strconv.Atoi(d.Name())
		if err != nil || child == pid {
			continue
		}
		if cs, ok := readStat(child); ok && cs.ppid == pid {
			sum += cs.utime + cs.stime + cs.cutime + cs.cstime
		}
	}
	return sum
}

// procStat holds the fields of /proc/PID/stat that the load generator
// uses; times in seconds.
type procStat struct {
	ppid                         int
	utime, stime, cutime, cstime float64
}

// readStat reads /proc/PID/stat.
func readStat(pid int) (procStat, bool) {
	if pid <= 0 {
		return procStat{}, false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, false
	}
	// The command name (field 2) may hold spaces; fields resume after ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return procStat{}, false
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state), f[1] field 4 (ppid); utime, stime, cutime
	// and cstime are fields 14 to 17.
	if len(f) < 15 {
		return procStat{}, false
	}
	var st procStat
	var errs [5]error
	st.ppid, errs[0] = strconv.Atoi(f[1])
	st.utime, errs[1] = strconv.ParseFloat(f[11], 64)
	st.stime, errs[2] = strconv.ParseFloat(f[12], 64)
	st.cutime, errs[3] = strconv.ParseFloat(f[13], 64)
	st.cstime, errs[4] = strconv.ParseFloat(f[14], 64)
	for _, err := range errs {
		if err != nil {
			return procStat{}, false
		}
	}
	st.utime /= clockTicks
	st.stime /= clockTicks
	st.cutime /= clockTicks
	st.cstime /= clockTicks
	return st, true
}

// peakRSSKB returns VmHWM of process pid in KiB, or 0.
func peakRSSKB(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// selfCPU returns the CPU seconds this process has used.
func selfCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return -1
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

// WriteText prints r as a table.
func (r *Result) WriteText(w io.Writer) {
	fmt.Fprintf(w, "%s (%s), concurrency %d, %d CPUs (%s)\n", r.System, r.URL, r.Concurrency, r.Host.CPUs, r.Host.CPUModel)
	if r.Verify != "" {
		fmt.Fprintf(w, "  verify: %s\n", r.Verify)
	}
	fmt.Fprintf(w, "  %-12s %-11s %9s %9s %8s %8s %8s %8s %7s %9s %9s\n", "phase", "op", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors", "srv µs/r", "cli µs/r")
	for _, ph := range r.Phases {
		var total int64
		for _, o := range ph.Ops {
			total += o.Count
		}
		for _, o := range ph.Ops {
			fmt.Fprintf(w, "  %-12s %-11s %9d %9.0f %8.2f %8.2f %8.2f %8.2f %7d %9s %9s\n", trunc(ph.Name, 12), o.Op, o.Count, o.Throughput,
				o.P50, o.P90, o.P99, o.Max, o.Errors+o.TransportErrors, perReq(ph.ServerCPU, total), perReq(ph.ClientCPU, total))
		}
		if ph.Exhausted {
			fmt.Fprintf(w, "  %-12s (its %d distinct requests ran out after %.1fs)\n", "", ph.Signed, ph.Seconds)
		}
		for _, o := range ph.Ops {
			if len(o.ErrorCodes) > 0 || o.FirstError != "" {
				fmt.Fprintf(w, "  %-12s %s errors: %s %s\n", "", o.Op, codesText(o.ErrorCodes), o.FirstError)
			}
		}
	}
	if r.ServerPeakRSSKB > 0 {
		fmt.Fprintf(w, "  server peak RSS (VmHWM): %.1f MB\n", float64(r.ServerPeakRSSKB)/1024)
	}
}

func perReq(cpu float64, n int64) string {
	if cpu < 0 || n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", cpu/float64(n)*1e6)
}

func codesText(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s×%d", k, m[k])
	}
	return b.String()
}

func trunc(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

// ReadResult reads a result file.
func ReadResult(path string) (*Result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &r, nil
}
