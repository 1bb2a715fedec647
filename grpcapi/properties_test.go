package grpcapi

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"
	"github.com/milvus-io/milvus-proto/go-api/v2/schemapb"
	"google.golang.org/protobuf/proto"

	"github.com/raftvec/raftvec/api"
	"github.com/raftvec/raftvec/coordinator"
)

// propsBackend records property changes and creates; any other Backend
// call panics (the embedded interface is nil).
type propsBackend struct {
	api.Backend
	set     map[string]string
	drop    []string
	created *coordinator.Collection
}

func (b *propsBackend) AlterProperties(_ context.Context, _ string, set map[string]string, drop []string) error {
	b.set, b.drop = set, drop
	return nil
}

func (b *propsBackend) CreateCollection(_ context.Context, c *coordinator.Collection) error {
	b.created = c
	return nil
}

func kvs(pairs ...string) []*commonpb.KeyValuePair {
	var out []*commonpb.KeyValuePair
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, &commonpb.KeyValuePair{Key: pairs[i], Value: pairs[i+1]})
	}
	return out
}

// TestAlterCollectionProperties: AlterCollection reaches the backend with
// its properties (checked, canonical) and delete keys; a bad TTL or an
// empty change is refused before it.
func TestAlterCollectionProperties(t *testing.T) {
	cases := []struct {
		name     string
		req      *milvuspb.AlterCollectionRequest
		code     int32
		wantSet  map[string]string
		wantDrop []string
	}{
		{"set", &milvuspb.AlterCollectionRequest{CollectionName: "c", Properties: kvs(coordinator.PropTTL, "060", "mmap.enabled", "true")},
			0, map[string]string{coordinator.PropTTL: "60", "mmap.enabled": "true"}, nil},
		{"drop", &milvuspb.AlterCollectionRequest{CollectionName: "c", DeleteKeys: []string{coordinator.PropTTL}},
			0, nil, []string{coordinator.PropTTL}},
		{"bad ttl", &milvuspb.AlterCollectionRequest{CollectionName: "c", Properties: kvs(coordinator.PropTTL, "-3")}, 1100, nil, nil},
		{"nothing", &milvuspb.AlterCollectionRequest{CollectionName: "c"}, 1100, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := &propsBackend{}
			st, err := New(api.New(api.Config{}, b), "test", nil, nil).AlterCollection(t.Context(), tc.req)
			if err != nil || st.GetCode() != tc.code {
				t.Fatalf("status %v, error %v; want code %d", st, err, tc.code)
			}
			if !maps.Equal(b.set, tc.wantSet) || !slices.Equal(b.drop, tc.wantDrop) {
				t.Fatalf("backend got set %v drop %v, want %v %v", b.set, b.drop, tc.wantSet, tc.wantDrop)
			}
		})
	}
}

// TestCreateCollectionProperties: properties given at creation over gRPC
// are checked and stored with the collection.
func TestCreateCollectionProperties(t *testing.T) {
	schema, err := proto.Marshal(&schemapb.CollectionSchema{Name: "c", Fields: []*schemapb.FieldSchema{
		{Name: "id", DataType: schemapb.DataType_Int64, IsPrimaryKey: true},
		{Name: "v", DataType: schemapb.DataType_FloatVector, TypeParams: kvs("dim", "2")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ttl  string
		code int32
		want string
	}{{"5", 0, "5"}, {"five", 1100, ""}} {
		b := &propsBackend{}
		st, err := New(api.New(api.Config{}, b), "test", nil, nil).CreateCollection(t.Context(),
			&milvuspb.CreateCollectionRequest{CollectionName: "c", Schema: schema, Properties: kvs(coordinator.PropTTL, tc.ttl)})
		if err != nil || st.GetCode() != tc.code {
			t.Fatalf("ttl %q: status %v, error %v; want code %d", tc.ttl, st, err, tc.code)
		}
		if tc.code == 0 && (b.created == nil || b.created.Properties[coordinator.PropTTL] != tc.want) {
			t.Fatalf("ttl %q: created %+v", tc.ttl, b.created)
		}
		if tc.code != 0 && b.created != nil {
			t.Fatalf("ttl %q: a refused create reached the backend", tc.ttl)
		}
	}
}
