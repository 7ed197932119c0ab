package main

import (
	"cmp"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Targets of the issue that asked for this benchmark: configd's
// PutResourceConfig and BatchGetResourceConfig at least 30 times moto's
// throughput, reads at least half the no-op ceiling, and (with a million
// stored items) read p99 under 10 ms and server RSS under 300 MB.
var (
	peerOps    = []string{"put-new", "put-update", "get1", "get10", "get100"}
	ceilingOps = []string{"get1", "get10", "get100", "history", "list"}
	readOps    = []string{"get1", "get10", "get100", "history", "list"}
)

func runCompare(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("load compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		subject    = fs.String("subject", "configd", "system whose ratios are reported")
		peer       = fs.String("peer", "", "peer system (moto)")
		ceiling    = fs.String("ceiling", "", "ceiling system (noop)")
		sized      = fs.String("sized-ceiling", "", "second ceiling system, answering configd's own replies (noop -reply); its ratios are reported beside the first's")
		minPeer    = fs.Float64("min-peer-ratio", 30, "target: subject/peer throughput of "+strings.Join(peerOps, ", "))
		minCeiling = fs.Float64("min-ceiling-ratio", 0.5, "target: subject/ceiling throughput of "+strings.Join(ceilingOps, ", "))
		maxP99     = fs.Duration("max-p99", 0, "target: subject's p99 latency of "+strings.Join(readOps, ", ")+" (0: none)")
		maxRSS     = fs.Float64("max-rss-mb", 0, "target: subject's peak RSS in MB (0: none)")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	byName := map[string]*Result{}
	var order []*Result
	for _, path := range fs.Args() {
		r, err := ReadResult(path)
		if err != nil {
			return err
		}
		if prev := byName[r.System]; prev != nil {
			// Several runs of one system (one per phase): one result.
			prev.Phases = append(prev.Phases, r.Phases...)
			prev.ServerPeakRSSKB = max(prev.ServerPeakRSSKB, r.ServerPeakRSSKB)
			prev.Verify = cmp.Or(prev.Verify, r.Verify)
			continue
		}
		byName[r.System] = r
		order = append(order, r)
	}
	if byName[*subject] == nil {
		return fmt.Errorf("no result of subject %q among %d files", *subject, len(order))
	}
	return writeComparison(stdout, order, byName[*subject], byName[*peer], []*Result{byName[*ceiling], byName[*sized]}, targets{*minPeer, *minCeiling, *maxP99, *maxRSS})
}

type targets struct {
	minPeer, minCeiling float64
	maxP99              time.Duration
	maxRSSMB            float64
}

// find returns the figures of op in r (from the phase that ran it alone, or
// else the first phase that ran it).
func find(r *Result, op string) (OpResult, *PhaseResult, bool) {
	if r == nil {
		return OpResult{}, nil, false
	}
	var found *PhaseResult
	var res OpResult
	for i := range r.Phases {
		ph := &r.Phases[i]
		for _, o := range ph.Ops {
			if o.Op == op && (found == nil || len(ph.Ops) == 1 && len(found.Ops) > 1) {
				found, res = ph, o
			}
		}
	}
	return res, found, found != nil
}

// writeComparison prints, as Markdown tables, every system's figures per op,
// then the subject's ratios and whether each target is met.
func writeComparison(w io.Writer, all []*Result, subject, peer *Result, ceilings []*Result, t targets) error {
	var ops []string
	for _, name := range OpNames {
		for _, r := range all {
			if _, _, ok := find(r, name); ok && !slices.Contains(ops, name) {
				ops = append(ops, name)
			}
		}
	}
	fmt.Fprintf(w, "| op | system | req/s | p50 ms | p99 ms | max ms | errors | server CPU µs/req |\n|---|---|---:|---:|---:|---:|---:|---:|\n")
	for _, op := range ops {
		for _, r := range all {
			o, ph, ok := find(r, op)
			if !ok {
				continue
			}
			errs := "0"
			if n := o.Errors + o.TransportErrors; n > 0 {
				errs = fmt.Sprintf("%d (%s)", n, codesText(o.ErrorCodes))
				if o.TransportErrors > 0 {
					errs += fmt.Sprintf(" %d transport", o.TransportErrors)
				}
			}
			fmt.Fprintf(w, "| %s | %s | %.0f | %.2f | %.2f | %.2f | %s | %s |\n", op, r.System, o.Throughput, o.P50, o.P99, o.Max, errs, perReq(ph.ServerCPU, int64(ph.total())))
		}
	}
	for _, r := range all {
		if r.ServerPeakRSSKB > 0 {
			fmt.Fprintf(w, "\n%s: server peak RSS (VmHWM) %.1f MB", r.System, float64(r.ServerPeakRSSKB)/1024)
		}
	}
	fmt.Fprintln(w)

	type row struct{ target, figure, verdict string }
	var rows []row
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "**NOT met**"
	}
	for _, op := range ops {
		s, _, ok := find(subject, op)
		if !ok {
			continue
		}
		note := ""
		if s.Errors+s.TransportErrors > 0 {
			note = fmt.Sprintf(" (%s had %d errors)", subject.System, s.Errors+s.TransportErrors)
		}
		if p, _, ok := find(peer, op); ok && slices.Contains(peerOps, op) && p.Throughput > 0 {
			ratio := s.Throughput / p.Throughput
			rows = append(rows, row{fmt.Sprintf("%s %s/%s throughput ≥ %gx", op, subject.System, peer.System, t.minPeer),
				fmt.Sprintf("%.1fx%s", ratio, note), verdict(ratio >= t.minPeer && note == "")})
		}
		for _, ceiling := range ceilings {
			if c, _, ok := find(ceiling, op); ok && slices.Contains(ceilingOps, op) && c.Throughput > 0 {
				ratio := s.Throughput / c.Throughput
				rows = append(rows, row{fmt.Sprintf("%s %s/%s throughput ≥ %g", op, subject.System, ceiling.System, t.minCeiling),
					fmt.Sprintf("%.2f%s", ratio, note), verdict(ratio >= t.minCeiling && note == "")})
			}
		}
		if t.maxP99 > 0 && slices.Contains(readOps, op) {
			rows = append(rows, row{fmt.Sprintf("%s %s p99 < %v", op, subject.System, t.maxP99),
				fmt.Sprintf("%.2f ms%s", s.P99, note), verdict(s.P99 < ms(t.maxP99) && note == "")})
		}
	}
	if t.maxRSSMB > 0 {
		mb := float64(subject.ServerPeakRSSKB) / 1024
		fig := fmt.Sprintf("%.1f MB", mb)
		if subject.ServerPeakRSSKB == 0 {
			fig = "unknown (no -server-pid)"
		}
		rows = append(rows, row{fmt.Sprintf("%s peak RSS < %g MB", subject.System, t.maxRSSMB), fig, verdict(subject.ServerPeakRSSKB > 0 && mb < t.maxRSSMB)})
	}
	if len(rows) > 0 {
		fmt.Fprintf(w, "\n| target | figure | |\n|---|---:|---|\n")
		for _, r := range rows {
			fmt.Fprintf(w, "| %s | %s | %s |\n", r.target, r.figure, r.verdict)
		}
	}
	return nil
}
