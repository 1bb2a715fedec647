package proxy

import (
	"errors"
	"testing"

	"github.com/raftvec/raftvec/shards"
)

// TestScatterWritePartialIsUnknown: a write applied on some shards and
// refused on others must not be reported as "not applied".
func TestScatterWritePartialIsUnknown(t *testing.T) {
	down := shards.ErrUnavailable
	tests := []struct {
		name string
		part []bool  // shard has a part
		errs []error // outcome per shard
		want error   // sentinel; nil = success
	}{
		{"all applied", []bool{true, true}, []error{nil, nil}, nil},
		{"all refused", []bool{true, true}, []error{down, down}, shards.ErrUnavailable},
		{"one applied, one refused", []bool{true, true}, []error{nil, down}, shards.ErrUnknownOutcome},
		{"refused, the other shard had no part", []bool{false, true}, []error{nil, down}, shards.ErrUnavailable},
		{"one unknown", []bool{true, true}, []error{shards.ErrUnknownOutcome, down}, shards.ErrUnknownOutcome},
	}
	for _, tc := range tests {
		err := scatterWrite(2, func(i int) (bool, error) { return tc.part[i], tc.errs[i] })
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		if tc.want == shards.ErrUnavailable && errors.Is(err, shards.ErrUnknownOutcome) {
			t.Errorf("%s: %v is also unknown", tc.name, err)
		}
	}
}
