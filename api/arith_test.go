package api_test

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/ordermgmt/ordermgmt/api"
)

func TestParseQuantity(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1", 100_000_000, true},
		{"1.5", 150_000_000, true},
		{"0.00000001", 1, true},
		{"2.00000000", 200_000_000, true},
		{"9999999999", 999_999_999_900_000_000, true},
		{"1.123456789", 0, false},
		{"12345678901", 0, false},
		{"1.", 0, false},
		{".5", 0, false},
		{"-1", 0, false},
		{"1e3", 0, false},
		{"1,5", 0, false},
		{"", 0, false},
		{"١", 0, false}, // a non-ASCII digit
	}
	for _, tt := range tests {
		got, ok := api.ParseQuantity(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseQuantity(%q) = %d, %v, want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// mulDivRoundBig is MulDivRound by big integers.
func mulDivRoundBig(a, b, d int64) (int64, bool) {
	n := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
	neg := n.Sign() < 0
	n.Abs(n)
	n.Add(n, big.NewInt(d/2))
	n.Quo(n, big.NewInt(d))
	if neg {
		n.Neg(n)
	}
	return n.Int64(), n.IsInt64()
}

func TestMulDivRound(t *testing.T) {
	tests := []struct {
		a, b, d int64
		want    int64
		ok      bool
	}{
		{10, 2500, 10000, 3, true}, // 2.5 rounds half away from zero
		{-10, 2500, 10000, -3, true},
		{10, -2500, 10000, -3, true},
		{9999, 10000, 12500, 7999, true},
		{1, 1, 3, 0, true},
		{2, 1, 3, 1, true},
		{math.MaxInt64, 1, 1, math.MaxInt64, true},
		{math.MinInt64, 1, 1, math.MinInt64, true},
		{math.MaxInt64, 2, 1, 0, false},
		{math.MaxInt64, math.MaxInt64, math.MaxInt64, math.MaxInt64, true},
		{1, 1, 0, 0, false},
		{1, 1, -1, 0, false},
	}
	for _, tc := range tests {
		got, ok := api.MulDivRound(tc.a, tc.b, tc.d)
		if got != tc.want || ok != tc.ok {
			t.Errorf("MulDivRound(%d, %d, %d) = %d, %v, want %d, %v", tc.a, tc.b, tc.d, got, ok, tc.want, tc.ok)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		a, b, d := int64(rng.Uint64()), int64(rng.Uint64())>>rng.IntN(64), 1+rng.Int64N(math.MaxInt64)>>rng.IntN(63)
		got, ok := api.MulDivRound(a, b, d)
		want, wantOK := mulDivRoundBig(a, b, d)
		if ok != wantOK || ok && got != want {
			t.Fatalf("MulDivRound(%d, %d, %d) = %d, %v, want %d, %v", a, b, d, got, ok, want, wantOK)
		}
	}
}

func TestKindForStatus(t *testing.T) {
	tests := []struct {
		status int
		want   *api.Kind
	}{
		{400, api.ErrInvalid}, {409, api.ErrConflict}, {408, api.ErrTimeout}, {500, api.ErrInternal},
		{502, api.ErrUnavailable}, {503, api.ErrUnavailable}, {504, api.ErrUnavailable}, {599, api.ErrInternal},
		{418, nil}, {200, nil},
	}
	for _, tc := range tests {
		if got := api.KindForStatus(tc.status); got != tc.want {
			t.Errorf("KindForStatus(%d) = %v, want %v", tc.status, got, tc.want)
		}
	}
}
