package server

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/raftvec/raftvec/dataset"
	"github.com/raftvec/raftvec/index"
)

// ivfFixture is a clustered data set inserted into collection "ivf" with
// exact ground truth computed client-side (row i has id i).
type ivfFixture struct {
	dim     int
	base    []float32
	queries [][]float32
	gt      [][]int32
}

const (
	ivfRows    = 4000
	ivfDim     = 16
	ivfQueries = 50
)

func newIVFFixture() *ivfFixture {
	all := dataset.Synthetic(ivfRows+ivfQueries, ivfDim, 20, 7)
	f := &ivfFixture{dim: ivfDim, base: all[:ivfRows*ivfDim]}
	q := all[ivfRows*ivfDim:]
	f.queries = dataset.Split(q, ivfDim)
	f.gt = dataset.GroundTruth(f.base, q, ivfDim, 10, index.MetricL2, 2)
	return f
}

// insert creates the IVF_FLAT collection, inserts the base in batches and
// flushes after every 2000 rows.
func (f *ivfFixture) insert(c client) {
	ix := map[string]any{"fieldName": "vector", "indexName": "v", "metricType": "L2",
		"params": map[string]any{"index_type": "IVF_FLAT", "nlist": 128}}
	c.ok("collections/create", map[string]any{"collectionName": "ivf", "schema": map[string]any{"fields": []map[string]any{
		{"fieldName": "id", "dataType": "Int64", "isPrimary": true},
		{"fieldName": "vector", "dataType": "FloatVector", "elementTypeParams": map[string]any{"dim": ivfDim}}}},
		"indexParams": []any{ix}})
	for b := 0; b < ivfRows/500; b++ {
		rows := make([]map[string]any, 500)
		for i := range rows {
			id := b*500 + i
			rows[i] = map[string]any{"id": id, "vector": f.base[id*ivfDim : (id+1)*ivfDim]}
		}
		c.ok("entities/insert", map[string]any{"collectionName": "ivf", "data": rows})
		if b%4 == 3 { // seal: several flushed segments, each indexed
			c.ok("collections/flush", map[string]any{"collectionName": "ivf"})
		}
	}
}

// search returns the ids of one query's top 10 through the HTTP API.
func (f *ivfFixture) search(c client, q []float32, filter string, nprobe int) []int {
	body := map[string]any{"collectionName": "ivf", "data": [][]float32{q}, "limit": 10, "filter": filter}
	if nprobe > 0 {
		body["searchParams"] = map[string]any{"metricType": "L2", "params": map[string]any{"nprobe": nprobe}}
	}
	var out []int
	for id := range ids(c.ok("entities/search", body)) {
		n, err := strconv.Atoi(id)
		if err != nil {
			c.t.Fatalf("search id %q: %v", id, err)
		}
		out = append(out, n)
	}
	return out
}

// recall is recall@10 of the unfiltered searches against the ground truth.
func (f *ivfFixture) recall(c client, nprobe int) float64 {
	found := 0
	for qi, q := range f.queries {
		want := map[int]bool{}
		for _, id := range f.gt[qi] {
			want[int(id)] = true
		}
		for _, id := range f.search(c, q, "", nprobe) {
			if want[id] {
				found++
			}
		}
	}
	return float64(found) / float64(10*len(f.queries))
}

// TestIVFFlatIndexServesSearch: IVF_FLAT files are built per flushed
// segment, written to object storage (named IVF_FLAT), reported by
// indexes/describe, searched with the request's nprobe at recall@10 ≥ 0.95
// against exact results, reloaded after a restart, and filtered searches
// after deletions return only matching live rows.
func TestIVFFlatIndexServesSearch(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	cfg := testConfig(dir)
	cfg.Lifecycle.ChunkSize, cfg.Lifecycle.SealSize = 32<<10, 128<<10
	cfg.Lifecycle.MaxSegmentSize = 160 << 10 // no merging of the segments
	s, err := Start(cfg, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	c := newClient(t, s)
	f := newIVFFixture()
	f.insert(c)
	waitIndexed(t, c, "ivf", ivfRows)
	checkIVFFiles(t, c, dir)
	rc16 := f.recall(c, 16)
	t.Logf("recall@10 with nprobe 16: %.3f", rc16)
	if rc := rc16; rc < 0.95 {
		t.Fatalf("recall@10 through IVF_FLAT with nprobe 16: %.3f < 0.95", rc)
	}
	if rc := f.recall(c, 0); rc < 0.95 {
		t.Fatalf("recall@10 through IVF_FLAT with the default nprobe: %.3f < 0.95", rc)
	}
	// nprobe reaches the index: probing one list loses neighbours that
	// an exact scan would find.
	rc1 := f.recall(c, 1)
	t.Logf("recall@10 with nprobe 1: %.3f", rc1)
	if rc1 >= 1 {
		t.Fatalf("recall@10 with nprobe 1 is %.3f: the IVF_FLAT files are not used", rc1)
	}
	// Delete 10 % (below the compaction ratio, so the indexed segments
	// stay), then search with a filter.
	c.ok("entities/delete", map[string]any{"collectionName": "ivf", "filter": "id % 10 == 3"})
	f.checkFiltered(t, c)
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if s, err = Start(cfg, quietLogger()); err != nil {
		t.Fatal(err)
	}
	c = newClient(t, s)
	checkIVFFiles(t, c, dir)
	f.checkFiltered(t, c)
	if rc := f.recall(c, 16); rc < 0.9 { // 10 % of the true neighbours are deleted
		t.Fatalf("recall@10 after restart %.3f", rc)
	}
}

// waitIndexed polls indexes/describe until index "v" of coll is Finished
// over every row (the IVF_FLAT test's describe check).
func waitIndexed(t *testing.T, c client, coll string, rows int) {
	t.Helper()
	waitFor(t, 60*time.Second, func() bool {
		var ix []map[string]any
		_ = json.Unmarshal(c.ok("indexes/describe", map[string]any{"collectionName": coll, "indexName": "v"}), &ix)
		return len(ix) == 1 && ix[0]["indexState"] == "Finished" &&
			ix[0]["indexedRows"] == float64(rows) && ix[0]["pendingRows"] == float64(0) && ix[0]["indexType"] == "IVF_FLAT"
	})
}

// checkIVFFiles asserts that every segment of "ivf" has an IVF_FLAT index
// file in the local object storage.
func checkIVFFiles(t *testing.T, c client, dir string) {
	t.Helper()
	segs := segments(t, c, "ivf")
	if len(segs) < 2 {
		t.Fatalf("want several flushed segments, got %v", segs)
	}
	for _, sg := range segs {
		f, _ := sg["indexFile"].(string)
		if !strings.Contains("/"+f, "/index_files/") || !strings.HasSuffix(f, "/IVF_FLAT") {
			t.Fatalf("segment index file %q, want index_files/.../IVF_FLAT: %v", f, sg)
		}
		if _, err := os.Stat(filepath.Join(dir, "objects", f)); err != nil {
			t.Fatalf("index file not in object storage: %v", err)
		}
	}
}

// checkFiltered runs filtered searches and asserts every hit matches the
// filter and is live, and that most exact filtered neighbours are found.
func (f *ivfFixture) checkFiltered(t *testing.T, c client) {
	t.Helper()
	found, total := 0, 0
	for _, q := range f.queries[:20] {
		got := f.search(c, q, "id % 2 == 1", 16)
		if len(got) != 10 {
			t.Fatalf("filtered search returned %d hits, want 10", len(got))
		}
		for _, id := range got {
			if id%2 != 1 || id%10 == 3 {
				t.Fatalf("filtered search returned id %d (even or deleted)", id)
			}
		}
		want := f.exactFiltered(q, func(id int) bool { return id%2 == 1 && id%10 != 3 })
		for _, id := range got {
			if want[id] {
				found++
			}
		}
		total += len(want)
	}
	if rc := float64(found) / float64(total); rc < 0.9 {
		t.Fatalf("filtered recall@10 %.3f", rc)
	}
}

// exactFiltered returns the 10 nearest base rows to q among those keep
// accepts.
func (f *ivfFixture) exactFiltered(q []float32, keep func(int) bool) map[int]bool {
	var rows []float32
	var idOf []int
	for id := 0; id < ivfRows; id++ {
		if keep(id) {
			rows = append(rows, f.base[id*f.dim:(id+1)*f.dim]...)
			idOf = append(idOf, id)
		}
	}
	out := map[int]bool{}
	for _, r := range dataset.GroundTruth(rows, q, f.dim, 10, index.MetricL2, 1)[0] {
		out[idOf[r]] = true
	}
	return out
}
