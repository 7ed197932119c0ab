package gctune

import (
	"runtime/debug"
	"testing"
)

func TestApply(t *testing.T) {
	old := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(old) })

	t.Run("OKDefault", func(t *testing.T) {
		debug.SetGCPercent(100)
		if got := apply(func(string) (string, bool) { return "", false }); got != DefaultPercent {
			t.Fatalf("apply without GOGC = %d, want %d", got, DefaultPercent)
		}
		if got := debug.SetGCPercent(100); got != DefaultPercent {
			t.Fatalf("GC percent in force = %d, want %d", got, DefaultPercent)
		}
	})
	t.Run("OKGOGCStands", func(t *testing.T) {
		debug.SetGCPercent(150) // as the runtime would have set GOGC=150
		if got := apply(func(k string) (string, bool) { return "150", k == "GOGC" }); got != 150 {
			t.Fatalf("apply with GOGC=150 = %d, want 150", got)
		}
		if got := debug.SetGCPercent(100); got != 150 {
			t.Fatalf("GC percent in force = %d, want 150 (GOGC)", got)
		}
	})
}
