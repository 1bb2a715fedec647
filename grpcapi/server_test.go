package grpcapi

import (
	"context"
	"strings"
	"testing"

	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/raftvec/raftvec/api"
	"github.com/raftvec/raftvec/proxy"
)

// TestInterceptRecoversAndCounts: a panicking handler answers Internal
// instead of taking the node down, and every call is counted by method and
// response code.
func TestInterceptRecoversAndCounts(t *testing.T) {
	m := NewMetrics()
	s := New(api.New(api.Config{}, nil), "test", nil, m)
	info := &grpc.UnaryServerInfo{FullMethod: "/milvus.proto.milvus.MilvusService/Search"}
	_, err := s.intercept(context.Background(), nil, info, func(context.Context, any) (any, error) { panic("boom") })
	if status.Code(err) != codes.Internal || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("panicking handler: %v", err)
	}
	resp, err := s.intercept(context.Background(), nil, info, func(context.Context, any) (any, error) {
		return &commonpb.Status{Code: 100}, nil
	})
	if err != nil || resp.(*commonpb.Status).GetCode() != 100 {
		t.Fatalf("handler answer lost: %v %v", resp, err)
	}
	for code, want := range map[string]float64{"Internal": 1, "100": 1} {
		if got := testutil.ToFloat64(m.requests.WithLabelValues("Search", code)); got != want {
			t.Errorf("requests{Search,%s} = %v, want %v", code, got, want)
		}
	}
}

// TestCallDatabase: a call addresses the database of its request's
// db_name, else of the dbname metadata the SDKs send, else the default
// database.
func TestCallDatabase(t *testing.T) {
	tests := []struct {
		name string
		req  any
		md   []string
		want string
	}{
		{"none", &milvuspb.HasCollectionRequest{}, nil, "default"},
		{"request", &milvuspb.HasCollectionRequest{DbName: "db1"}, nil, "db1"},
		{"metadata", &milvuspb.HasCollectionRequest{}, []string{"dbname", "db2"}, "db2"},
		{"request over metadata", &milvuspb.SearchRequest{DbName: "db1"}, []string{"dbname", "db2"}, "db1"},
		{"no db_name field", &milvuspb.ConnectRequest{}, []string{"dbname", "db2"}, "db2"},
	}
	s := New(api.New(api.Config{}, nil), "test", nil, nil)
	info := &grpc.UnaryServerInfo{FullMethod: "/milvus.proto.milvus.MilvusService/X"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs(tt.md...))
			var got string
			_, err := s.intercept(ctx, tt.req, info, func(ctx context.Context, _ any) (any, error) {
				got = proxy.Database(ctx)
				return ok(), nil
			})
			if err != nil || got != tt.want {
				t.Fatalf("database %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
