package builder

import (
	"context"
	"errors"
	"testing"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/fsm"
	"github.com/raftvec/raftvec/segment"
	"github.com/raftvec/raftvec/shards"
	"github.com/raftvec/raftvec/storage"
)

// fakeRouter serves a fixed segment list and records proposals.
type fakeRouter struct {
	segs     []shards.SegmentInfo
	proposed []*fsm.Command
}

func (f *fakeRouter) Segments(context.Context, *coordinator.Collection, int, string) ([]shards.SegmentInfo, error) {
	return f.segs, nil
}

func (f *fakeRouter) Propose(_ context.Context, _ *coordinator.Collection, _ int, cmd *fsm.Command) (fsm.Result, uint64, error) {
	f.proposed = append(f.proposed, cmd)
	return fsm.Result{}, 1, nil
}

// memStore is an object store in memory.
type memStore map[string][]byte

func (m memStore) Put(_ context.Context, key string, b []byte) error { m[key] = b; return nil }

func testCollection() *coordinator.Collection {
	c := &coordinator.Collection{ID: 1, Name: "c", ShardsNum: 1, Schema: segment.Schema{Fields: []segment.Field{
		{ID: 100, Name: "id", Type: segment.TypeInt64, PrimaryKey: true},
		{ID: 101, Name: "v", Type: segment.TypeFloatVector, Dim: 2}}},
		Indexes: []coordinator.Index{{Name: "ix", FieldName: "v", IndexType: "HNSW", MetricType: "L2", ID: 9}}}
	return c
}

func TestStaleTasksProposeNothing(t *testing.T) {
	c := testCollection()
	build := coordinator.Task{Kind: coordinator.TaskIndex, Index: c.Indexes[0].BuildName(), ID: 5, Token: 5, Segments: []int64{7}}
	newer := storage.IndexFileKey("", 8, 8, 2, 7, "HNSW")
	for _, tc := range []struct {
		name string
		segs []shards.SegmentInfo
		task coordinator.Task
		want error
	}{
		{"segment gone", nil, build, nil},
		{"segment still growing", []shards.SegmentInfo{{ID: 7, State: segment.Growing.String()}}, build, nil},
		{"built by a newer assignment", []shards.SegmentInfo{{ID: 7, State: segment.Flushed.String(), IndexName: build.Index, IndexFile: newer}}, build, ErrStaleBuild},
		{"built by a newer assignment, beside another field's index", []shards.SegmentInfo{{ID: 7, State: segment.Flushed.String(),
			IndexName: "another", IndexFile: "x", IndexFiles: map[string]string{"another": "x", build.Index: newer}}}, build, ErrStaleBuild},
		{"compaction inputs gone", []shards.SegmentInfo{{ID: 7, State: segment.Flushed.String()}}, coordinator.Task{ID: 6, Token: 6, Segments: []int64{7, 8}}, ErrStaleTask},
	} {
		r := &fakeRouter{segs: tc.segs}
		w := New(Config{Router: r, Store: memStore{}})
		if err := w.Run(context.Background(), c, tc.task); !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		if len(r.proposed) != 0 {
			t.Errorf("%s: proposed %d commands", tc.name, len(r.proposed))
		}
	}
}
