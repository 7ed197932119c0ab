package main

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBucketOf(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		prev := -1
		for _, v := range []uint64{0, 1, 127, 128, 129, 255, 256, 1000, 1 << 20, 1<<40 + 12345, 1<<63 - 1, 1 << 63, ^uint64(0)} {
			i := bucketOf(v)
			if i < prev || i >= numBuckets {
				t.Fatalf("bucketOf(%d) = %d; want >= %d and < %d", v, i, prev, numBuckets)
			}
			prev = i
			lo, w := bucketRange(i)
			if v < lo || v-lo >= w {
				t.Errorf("bucketOf(%d) = %d, whose range [%d, %d+%d) misses it", v, i, lo, lo, w)
			}
		}
	})
	t.Run("ErrResolution", func(t *testing.T) {
		for i := 1 << subBits; i < numBuckets; i++ {
			lo, w := bucketRange(i)
			if float64(w)/float64(lo) > 1.0/(1<<subBits)+1e-12 {
				t.Fatalf("bucket %d: width %d over lower bound %d exceeds the resolution", i, w, lo)
			}
		}
	})
}

func TestQuantile(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		h := NewHistogram()
		var samples []time.Duration
		for range 100_000 {
			// Log-normal-ish latencies from 20µs to tens of ms.
			d := time.Duration(20_000 * (1 + r.ExpFloat64()*r.ExpFloat64()*50))
			samples = append(samples, d)
			h.Record(d)
		}
		slices.Sort(samples)
		for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
			want := samples[int(q*float64(len(samples))+0.999999)-1]
			got := h.Quantile(q)
			if diff := float64(got-want) / float64(want); diff > 0.01 || diff < -0.01 {
				t.Errorf("Quantile(%v) = %v; sorted samples say %v", q, got, want)
			}
		}
		if h.Max() != samples[len(samples)-1] {
			t.Errorf("Max = %v; want %v", h.Max(), samples[len(samples)-1])
		}
		if h.Quantile(1) != samples[len(samples)-1] {
			t.Errorf("Quantile(1) = %v; want the max %v", h.Quantile(1), samples[len(samples)-1])
		}
	})
	t.Run("OKMerge", func(t *testing.T) {
		a, b := NewHistogram(), NewHistogram()
		for i := 1; i <= 100; i++ {
			a.Record(time.Duration(i) * time.Millisecond)
			b.Record(time.Duration(100+i) * time.Millisecond)
		}
		a.Merge(b)
		if a.Count() != 200 || a.Max() != 200*time.Millisecond {
			t.Fatalf("merged count %d max %v; want 200 and 200ms", a.Count(), a.Max())
		}
		if got := a.Quantile(0.5); got < 99*time.Millisecond || got > 101*time.Millisecond {
			t.Errorf("median of 1..200ms = %v; want about 100ms", got)
		}
		a.Reset()
		if a.Count() != 0 || a.Quantile(0.5) != 0 {
			t.Errorf("after Reset: count %d, median %v", a.Count(), a.Quantile(0.5))
		}
	})
	t.Run("OKSmallValuesExact", func(t *testing.T) {
		h := NewHistogram()
		for _, v := range []time.Duration{5, 7, 9} {
			h.Record(v)
		}
		if h.Quantile(0.5) != 7 {
			t.Errorf("median of 5, 7, 9 ns = %v; want 7ns", h.Quantile(0.5))
		}
	})
}
