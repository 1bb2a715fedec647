package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/raftvec/raftvec/proxy"
)

// Search iterators (Milvus's search iterator v2, what the SDKs'
// SearchIterator speaks): searchParams iterator and search_iter_v2 "true",
// search_iter_batch_size, and from the second page on search_iter_id, the
// token the previous page returned. A page is a range search from the
// previous page's last distance, inclusive, that skips the primary keys
// already returned at exactly that distance: pages are in distance order
// with no row twice and none skipped over ties, whatever the number of
// pages (no offset cap). The token carries that state, so the server keeps
// none. Like every search through an ANN index, pages are approximate.
const (
	iterKey          = "iterator"
	iterV2Key        = "search_iter_v2"
	iterBatchKey     = "search_iter_batch_size"
	iterIDKey        = "search_iter_id"
	iterLastBoundKey = "search_iter_last_bound"
)

// IteratorPage is what a search iterator page returns besides its hits:
// the token of the next page and the last distance returned.
type IteratorPage struct {
	Token     string  `json:"token"`
	LastBound float32 `json:"lastBound"`
}

// iterState is the decoded token: the last distance and the primary keys
// returned at exactly it.
type iterState struct {
	Bound float32 `json:"b"`
	Seen  []any   `json:"s,omitempty"`
	Set   bool    `json:"v"`
}

// iterator reads the iterator params out of a search's params; nil when
// the search is not an iterator page.
func iterator(params map[string]any) (*iterState, int, error) {
	on, v2 := truthy(params[iterKey]), truthy(params[iterV2Key])
	rawBatch, hasBatch := params[iterBatchKey]
	var batch int64
	var bErr error
	if hasBatch {
		batch, bErr = toInt(rawBatch)
	}
	token, _ := params[iterIDKey].(string)
	for _, k := range []string{iterKey, iterV2Key, iterBatchKey, iterIDKey, iterLastBoundKey, "collection_id"} {
		delete(params, k)
	}
	if !on {
		return nil, 0, nil
	}
	if !v2 {
		return nil, 0, invalidf("search iterators need search_iter_v2 (Milvus's search iterator v2)")
	}
	if hasBatch && (bErr != nil || batch < 1 || batch > maxWindow) {
		return nil, 0, invalidf("invalid %s: want an integer in [1, %d]", iterBatchKey, maxWindow)
	}
	st := &iterState{}
	if token != "" {
		raw, err := base64.RawURLEncoding.DecodeString(token)
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err != nil || d.Decode(st) != nil {
			return nil, 0, invalidf("invalid %s: not a token this server returned", iterIDKey)
		}
	}
	return st, int(batch), nil
}

func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return strings.EqualFold(strings.TrimSpace(x), "true")
	}
	return false
}

// iterRange makes the search a range search from the state's bound,
// inclusive: L2, HAMMING and JACCARD keep bound <= d, the others d <= bound.
func (st *iterState) iterRange(req *proxy.SearchRequest) {
	if !st.Set {
		return
	}
	b, far := st.Bound, float32(math.MaxFloat32)
	if proxy.SmallerIsBetter(req.Metric) {
		req.RangeFilter, req.Radius = &b, &far
		return
	}
	far = -far
	req.RangeFilter, req.Radius = &b, &far
}

// page drops the hits the previous pages returned, keeps batch of them and
// returns the next state.
func (st *iterState) page(hits []proxy.Hit, batch int) ([]proxy.Hit, *iterState) {
	seen := map[any]bool{}
	for _, pk := range st.Seen {
		seen[proxy.GroupKey(iterPK(pk))] = true
	}
	out := hits[:0:0]
	for _, h := range hits {
		if st.Set && h.Distance == st.Bound && seen[proxy.GroupKey(h.PK)] {
			continue
		}
		if out = append(out, h); len(out) == batch {
			break
		}
	}
	if len(out) == 0 {
		return out, st
	}
	next := &iterState{Bound: out[len(out)-1].Distance, Set: true}
	if st.Set && next.Bound == st.Bound {
		next.Seen = st.Seen
	}
	for _, h := range out {
		if h.Distance == next.Bound {
			next.Seen = append(next.Seen, h.PK)
		}
	}
	return out, next
}

// iterPK turns a decoded token key back into a primary key value.
func iterPK(v any) any {
	if n, ok := v.(json.Number); ok {
		if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
			return i
		}
	}
	return v
}

// token encodes the state (int64 keys as JSON integers, exactly).
func (st *iterState) token() IteratorPage {
	b, _ := json.Marshal(st)
	return IteratorPage{Token: base64.RawURLEncoding.EncodeToString(b), LastBound: st.Bound}
}
