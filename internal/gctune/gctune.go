// Package gctune sets the garbage collector's target for configd's server
// processes (`configd serve` and bench/profile, which wires the same server).
//
// configd's live heap is small (tens of megabytes: prepared statements,
// pools, the request in flight) while every request allocates its decoded
// input and its response, so with Go's default GOGC of 100 the collector
// runs very often. With 1,000,000 stored items and BatchGetResourceConfig
// of 100 keys at concurrency 4 (bench/README.md), a target of 400 cut the
// server's CPU per request from 2,059-2,111 to 1,851-1,908 µs and its p99
// latency from 10.7-10.8 to 9.3-9.4 ms, for a peak RSS of 110 instead of
// 85 MB; PutResourceConfig used 5-12% less CPU per request. 800 saved
// little more (1,783-1,872 µs) for 150 MB.
package gctune

import (
	"os"
	"runtime/debug"
)

// DefaultPercent is the collector's target when GOGC is not set.
const DefaultPercent = 400

// Apply sets the collector's target to DefaultPercent unless the GOGC
// environment variable is set (then Go's runtime has already applied it, and
// it stands). It returns the target in force.
func Apply() int {
	return apply(os.LookupEnv)
}

func apply(lookup func(string) (string, bool)) int {
	if _, set := lookup("GOGC"); set {
		old := debug.SetGCPercent(-1)
		debug.SetGCPercent(old)
		return old
	}
	debug.SetGCPercent(DefaultPercent)
	return DefaultPercent
}
