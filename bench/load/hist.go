package main

import (
	"math/bits"
	"time"
)

// subBits sets the histogram's resolution: each power of two is split into
// 1<<subBits buckets, so a recorded value is known to within 1/128 (0.8%).
const subBits = 7

// numBuckets covers every uint64 value.
const numBuckets = (64 - subBits + 1) << subBits

// Histogram records latencies in nanoseconds in log-linear buckets, as an
// HDR histogram does: constant relative error, fixed memory (about 60 KB),
// O(1) recording without allocation. The zero value is not usable; call
// NewHistogram.
type Histogram struct {
	counts   []uint64
	n        uint64
	sum      uint64
	min, max uint64
}

// NewHistogram returns an empty histogram.
func NewHistogram() *Histogram {
	return &Histogram{counts: make([]uint64, numBuckets), min: ^uint64(0)}
}

// bucketOf returns the bucket index of v.
func bucketOf(v uint64) int {
	if v < 1<<subBits {
		return int(v)
	}
	exp := bits.Len64(v) - 1 // >= subBits
	shift := exp - subBits
	mantissa := v >> shift // in [1<<subBits, 2<<subBits)
	return (shift+1)<<subBits + int(mantissa-1<<subBits)
}

// bucketRange returns the smallest value of bucket i and the bucket's width.
func bucketRange(i int) (lo, width uint64) {
	if i < 1<<subBits {
		return uint64(i), 1
	}
	k := i >> subBits // shift+1
	m := uint64(i&(1<<subBits-1)) + 1<<subBits
	return m << (k - 1), 1 << (k - 1)
}

// Record adds one latency.
func (h *Histogram) Record(d time.Duration) {
	v := uint64(max(d, 0))
	h.counts[bucketOf(v)]++
	h.n++
	h.sum += v
	h.min = min(h.min, v)
	h.max = max(h.max, v)
}

// Merge adds every value of o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
	h.min = min(h.min, o.min)
	h.max = max(h.max, o.max)
}

// Reset empties h.
func (h *Histogram) Reset() {
	clear(h.counts)
	h.n, h.sum, h.min, h.max = 0, 0, ^uint64(0), 0
}

// Count returns the number of recorded values.
func (h *Histogram) Count() uint64 { return h.n }

// Max returns the largest recorded value exactly.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max) }

// Mean returns the mean of the recorded values.
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.sum / h.n)
}

// Quantile returns the value below or at which a fraction q of the recorded
// values lie (the nearest-rank method), to the histogram's resolution: the
// midpoint of the bucket holding that rank, clamped to the exact min and max.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.999999)
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			lo, w := bucketRange(i)
			v := lo + (w-1)/2
			return time.Duration(min(max(v, h.min), h.max))
		}
	}
	return time.Duration(h.max)
}
