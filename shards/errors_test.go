package shards

import (
	"errors"
	"fmt"
	"testing"

	"github.com/raftvec/raftvec/fsm"
)

// TestApplyErrMessage: mapping an fsm error to a shards sentinel keeps both
// identities and does not repeat the message (issue 10: "duplicate primary
// key: duplicate primary key: 5").
func TestApplyErrMessage(t *testing.T) {
	err := mapApplyErr(fmt.Errorf("%w: %s", fsm.ErrDuplicateKey, "5, 7"))
	if err.Error() != "duplicate primary key: 5, 7" {
		t.Errorf("message %q", err)
	}
	if !errors.Is(err, ErrDuplicateKey) || !errors.Is(err, fsm.ErrDuplicateKey) {
		t.Errorf("%v does not wrap both sentinels", err)
	}
	if got := withSentinel(ErrInvalid, errors.New("bad")).Error(); got != "invalid request: bad" {
		t.Errorf("message %q", got)
	}
}
