package bench

import (
	"math/bits"
	"time"
)

// histogram records latencies in log-linear buckets, in the manner of an
// HDR histogram: values below 128 ns are exact, larger ones fall into one
// of 64 linear sub-buckets per power of two, so any percentile is within
// 1/64 (1.6 %) of the true value. It is a fixed array, so recording never
// allocates and one histogram per connection can be merged at the end.
type histogram struct {
	counts [histBuckets]int64
	n      int64
	max    int64
}

const (
	histSubBits = 6                // 64 sub-buckets per power of two
	histSub     = 1 << histSubBits // 64
	// histBuckets covers every int64: 128 exact values, then 64 buckets for
	// each of the 57 remaining powers of two.
	histBuckets = 2*histSub + (63-histSubBits)*histSub
)

// bucketOf returns the bucket index of v nanoseconds.
func bucketOf(v int64) int {
	if v < 2*histSub {
		if v < 0 {
			return 0
		}
		return int(v)
	}
	shift := bits.Len64(uint64(v)) - histSubBits - 1 // v>>shift is in [64, 128)
	return 2*histSub + (shift-1)*histSub + int(v>>shift) - histSub
}

// bucketUpper returns the largest value that falls into bucket i, so a
// percentile is never reported lower than the truth.
func bucketUpper(i int) int64 {
	if i < 2*histSub {
		return int64(i)
	}
	shift := (i-2*histSub)/histSub + 1
	sub := int64((i-2*histSub)%histSub + histSub)
	return (sub+1)<<shift - 1
}

// record adds one latency.
func (h *histogram) record(d time.Duration) {
	v := int64(d)
	h.counts[bucketOf(v)]++
	h.n++
	if v > h.max {
		h.max = v
	}
}

// merge adds every value of o to h.
func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// quantile returns the latency below which a fraction q (0..1) of the
// recorded values lie, or 0 when nothing was recorded.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	// The rank of the value wanted, 1-based: the smallest value with at
	// least q·n values at or below it.
	rank := int64(q*float64(h.n) + 0.999999)
	rank = min(max(rank, 1), h.n)
	var seen int64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return time.Duration(min(bucketUpper(i), h.max))
		}
	}
	return time.Duration(h.max)
}
