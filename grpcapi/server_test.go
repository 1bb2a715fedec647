package grpcapi

import (
	"context"
	"strings"
	"testing"

	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/raftvec/raftvec/api"
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
