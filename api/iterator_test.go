package api

import (
	"encoding/json"
	"reflect"
	"strconv"
	"testing"

	"github.com/raftvec/raftvec/proxy"
)

func hitsOf(pairs ...any) []proxy.Hit {
	var out []proxy.Hit
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, proxy.Hit{Entity: proxy.Entity{PK: pairs[i]}, Distance: float32(pairs[i+1].(float64))})
	}
	return out
}

func pks(hs []proxy.Hit) []any {
	var out []any
	for _, h := range hs {
		out = append(out, h.PK)
	}
	return out
}

// TestIteratorPagesAcrossTies: pages continue from the last distance
// inclusive and skip the keys already returned at it, also when one
// distance spans several pages; the token round-trips the state.
func TestIteratorPagesAcrossTies(t *testing.T) {
	st, batch, err := iterator(map[string]any{iterKey: "true", iterV2Key: "true", iterBatchKey: "2"})
	if err != nil || st == nil || batch != 2 {
		t.Fatalf("iterator params: %v %d %v", st, batch, err)
	}
	// Page 1 of rows a(1) b(2) c(2) d(2) e(3): a, b.
	page, next := st.page(hitsOf(int64(1), 1.0, int64(2), 2.0, int64(3), 2.0), batch)
	if !reflect.DeepEqual(pks(page), []any{int64(1), int64(2)}) || next.Bound != 2 {
		t.Fatalf("page 1: %v, state %+v", pks(page), next)
	}
	tok := next.token()
	st, _, err = iterator(map[string]any{iterKey: true, iterV2Key: true, iterBatchKey: int64(2), iterIDKey: tok.Token})
	if err != nil || !st.Set || st.Bound != 2 || !reflect.DeepEqual(st.Seen, []any{jsonNumber(2)}) {
		t.Fatalf("decoded token: %+v %v", st, err)
	}
	// Page 2: the search from 2 inclusive sees b again; it is skipped.
	page, next = st.page(hitsOf(int64(2), 2.0, int64(3), 2.0, int64(4), 2.0, int64(5), 3.0), batch)
	if !reflect.DeepEqual(pks(page), []any{int64(3), int64(4)}) || len(next.Seen) != 3 {
		t.Fatalf("page 2: %v, state %+v", pks(page), next)
	}
	// Page 3: the last row; then an empty page keeps the state.
	page, next = next.page(hitsOf(int64(2), 2.0, int64(3), 2.0, int64(4), 2.0, int64(5), 3.0), batch)
	if !reflect.DeepEqual(pks(page), []any{int64(5)}) || next.Bound != 3 {
		t.Fatalf("page 3: %v, state %+v", pks(page), next)
	}
	if page, after := next.page(hitsOf(int64(5), 3.0), batch); len(page) != 0 || after != next {
		t.Fatalf("page 4: %v", pks(page))
	}
	for _, bad := range []map[string]any{
		{iterKey: "true"}, // v1
		{iterKey: "true", iterV2Key: "true", iterIDKey: "!!"},
		{iterKey: "true", iterV2Key: "true", iterBatchKey: "0"},
	} {
		if _, _, err := iterator(bad); err == nil {
			t.Errorf("iterator(%v) accepted", bad)
		}
	}
}

// jsonNumber is how a decoded token holds an int64 key before iterPK.
func jsonNumber(n int) any {
	return json.Number(strconv.Itoa(n))
}
