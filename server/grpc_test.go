package server

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"
	"github.com/milvus-io/milvus-proto/go-api/v2/schemapb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

func dialGRPC(t *testing.T, s *Server) milvuspb.MilvusServiceClient {
	t.Helper()
	conn, err := grpc.NewClient(s.HTTPAddr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return milvuspb.NewMilvusServiceClient(conn)
}

func floatsBytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// TestGRPCAndRESTShareOnePort: the same node answers REST and gRPC on one
// port, rows written through one are read through the other, and the same
// search gives the same hits either way, also under concurrent use.
func TestGRPCAndRESTShareOnePort(t *testing.T) {
	s := startTest(t, t.TempDir())
	c, g := newClient(t, s), dialGRPC(t, s)
	ctx := context.Background()
	if r, err := g.Connect(ctx, &milvuspb.ConnectRequest{}); err != nil || r.GetStatus().GetCode() != 0 {
		t.Fatalf("Connect: %v %v", r, err)
	}
	c.ok("collections/create", map[string]any{"collectionName": "mix", "dimension": 2, "metricType": "L2",
		"params": map[string]any{"shardsNum": 2}})
	ids, vecs := []int64{}, []float32{}
	for i := 0; i < 50; i++ {
		ids, vecs = append(ids, int64(i)), append(vecs, float32(i), 1)
	}
	ins, err := g.Insert(ctx, &milvuspb.InsertRequest{CollectionName: "mix", NumRows: 50, FieldsData: []*schemapb.FieldData{
		{FieldName: "id", Type: schemapb.DataType_Int64, Field: &schemapb.FieldData_Scalars{Scalars: &schemapb.ScalarField{
			Data: &schemapb.ScalarField_LongData{LongData: &schemapb.LongArray{Data: ids}}}}},
		{FieldName: "vector", Type: schemapb.DataType_FloatVector, Field: &schemapb.FieldData_Vectors{Vectors: &schemapb.VectorField{
			Dim: 2, Data: &schemapb.VectorField_FloatVector{FloatVector: &schemapb.FloatArray{Data: vecs}}}}}}})
	if err != nil || ins.GetStatus().GetCode() != 0 || ins.GetInsertCnt() != 50 {
		t.Fatalf("gRPC Insert: %v %v", ins, err)
	}
	if n := c.rowCount("mix"); n != 50 {
		t.Fatalf("REST row count after gRPC insert = %d", n)
	}
	ph, _ := proto.Marshal(&commonpb.PlaceholderGroup{Placeholders: []*commonpb.PlaceholderValue{
		{Tag: "$0", Type: commonpb.PlaceholderType_FloatVector, Values: [][]byte{floatsBytes([]float32{10.2, 1})}}}})
	search := func() []int64 {
		r, err := g.Search(ctx, &milvuspb.SearchRequest{CollectionName: "mix", Dsl: "id > 5",
			SearchInput: &milvuspb.SearchRequest_PlaceholderGroup{PlaceholderGroup: ph}, ConsistencyLevel: commonpb.ConsistencyLevel_Strong,
			SearchParams: []*commonpb.KeyValuePair{{Key: "topk", Value: "3"}, {Key: "anns_field", Value: "vector"}}})
		if err != nil || r.GetStatus().GetCode() != 0 {
			t.Errorf("gRPC Search: %v %v", r.GetStatus(), err)
			return nil
		}
		return r.GetResults().GetIds().GetIntId().GetData()
	}
	restSearch := func() []int64 {
		var rows []struct {
			ID json.Number `json:"id"`
		}
		raw := c.ok("entities/search", map[string]any{"collectionName": "mix", "data": [][]float32{{10.2, 1}}, "limit": 3,
			"filter": "id > 5", "consistencyLevel": "Strong"})
		if err := json.Unmarshal(raw, &rows); err != nil {
			t.Error(err)
		}
		var out []int64
		for _, r := range rows {
			n, _ := r.ID.Int64()
			out = append(out, n)
		}
		return out
	}
	want := fmt.Sprint([]int64{10, 11, 9})
	if got := fmt.Sprint(search()); got != want {
		t.Fatalf("gRPC search = %s, want %s", got, want)
	}
	if got := fmt.Sprint(restSearch()); got != want {
		t.Fatalf("REST search = %s, want %s", got, want)
	}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				var got string
				if w%2 == 0 {
					got = fmt.Sprint(search())
				} else {
					got = fmt.Sprint(restSearch())
				}
				if got != want {
					t.Errorf("concurrent search = %s", got)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	// A write returns its session token as header metadata; a Session read
	// carrying it (or none: served Strong) sees the write, a malformed one
	// is refused with 1100.
	var hdr metadata.MD
	ins, err = g.Insert(ctx, &milvuspb.InsertRequest{CollectionName: "mix", FieldsData: []*schemapb.FieldData{
		{FieldName: "id", Type: schemapb.DataType_Int64, Field: &schemapb.FieldData_Scalars{Scalars: &schemapb.ScalarField{
			Data: &schemapb.ScalarField_LongData{LongData: &schemapb.LongArray{Data: []int64{500}}}}}},
		{FieldName: "vector", Type: schemapb.DataType_FloatVector, Field: &schemapb.FieldData_Vectors{Vectors: &schemapb.VectorField{
			Dim: 2, Data: &schemapb.VectorField_FloatVector{FloatVector: &schemapb.FloatArray{Data: []float32{1, 1}}}}}}}}, grpc.Header(&hdr))
	token := hdr.Get("raftvec-session-token")
	if err != nil || ins.GetStatus().GetCode() != 0 || len(token) != 1 || token[0] == "" {
		t.Fatalf("insert: %v %v, session token %q", ins.GetStatus(), err, token)
	}
	for _, tc := range []struct {
		token string
		code  int32
	}{{token[0], 0}, {"", 0}, {"garbage", 1100}} {
		sctx := ctx
		if tc.token != "" {
			sctx = metadata.AppendToOutgoingContext(ctx, "raftvec-session-token", tc.token)
		}
		q, err := g.Query(sctx, &milvuspb.QueryRequest{CollectionName: "mix", Expr: "id == 500", ConsistencyLevel: commonpb.ConsistencyLevel_Session})
		if err != nil || q.GetStatus().GetCode() != tc.code {
			t.Fatalf("Session query with token %q: %v %v, want code %d", tc.token, q.GetStatus(), err, tc.code)
		}
		if tc.code == 0 && len(q.GetFieldsData()) == 0 {
			t.Fatalf("Session query with token %q: no columns", tc.token)
		}
		if got := q.GetFieldsData(); tc.code == 0 && len(got[0].GetScalars().GetLongData().GetData()) != 1 {
			t.Fatalf("Session query with token %q does not see the write: %v", tc.token, got)
		}
	}
	// The calls the Go SDK does not make: health, index state and progress.
	if h, err := g.CheckHealth(ctx, &milvuspb.CheckHealthRequest{}); err != nil || !h.GetIsHealthy() {
		t.Fatalf("CheckHealth: %v %v", h, err)
	}
	//lint:ignore SA1019 deprecated in the protos, still called by older SDKs
	st, err := g.GetIndexState(ctx, &milvuspb.GetIndexStateRequest{CollectionName: "mix", FieldName: "vector"})
	if err != nil || st.GetStatus().GetCode() != 0 || st.GetState() == commonpb.IndexState_IndexStateNone {
		t.Fatalf("GetIndexState: %v %v", st, err)
	}
	//lint:ignore SA1019 deprecated in the protos, still called by older SDKs
	bp, err := g.GetIndexBuildProgress(ctx, &milvuspb.GetIndexBuildProgressRequest{CollectionName: "mix", IndexName: "vector"})
	if err != nil || bp.GetStatus().GetCode() != 0 || bp.GetTotalRows() != 51 {
		t.Fatalf("GetIndexBuildProgress: %v %v, want 51 rows", bp, err)
	}
	// Errors carry Milvus codes in the Status, as REST's envelope does.
	r, err := g.DescribeCollection(ctx, &milvuspb.DescribeCollectionRequest{CollectionName: "nope"})
	if err != nil || r.GetStatus().GetCode() != 100 {
		t.Fatalf("describe missing collection: %v %v", r.GetStatus(), err)
	}
	// /metrics counts gRPC calls by method and response code.
	_, metrics := c.get("/metrics")
	for _, want := range []string{`raftvec_grpc_requests_total{code="0",method="Search"}`, `raftvec_grpc_requests_total{code="100",method="DescribeCollection"}`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// Stop with an open gRPC connection returns promptly.
	done := make(chan error, 1)
	go func() { done <- s.Stop() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Stop: %v", err)
		}
	case <-time.After(20 * time.Second):
		var stacks strings.Builder
		_ = pprof.Lookup("goroutine").WriteTo(&stacks, 2)
		t.Fatalf("Stop hangs with an open gRPC connection; goroutines:\n%s", stacks.String())
	}
}

// TestGRPCAuth: with --auth every call needs the authorization metadata
// (base64 of user:password or of an API key).
func TestGRPCAuth(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.AuthEnabled, cfg.Users, cfg.APIKeys = true, map[string]string{"root": "pw"}, []string{"k1"}
	s, err := Start(cfg, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop() })
	g := dialGRPC(t, s)
	for _, tc := range []struct {
		cred string
		ok   bool
	}{{"", false}, {"root:bad", false}, {"k2", false}, {"root:pw", true}, {"k1", true}} {
		ctx := context.Background()
		if tc.cred != "" {
			ctx = metadata.AppendToOutgoingContext(ctx, "authorization", base64.StdEncoding.EncodeToString([]byte(tc.cred)))
		}
		_, err := g.ShowCollections(ctx, &milvuspb.ShowCollectionsRequest{})
		if tc.ok && err != nil {
			t.Errorf("credential %q refused: %v", tc.cred, err)
		}
		if !tc.ok && status.Code(err) != codes.Unauthenticated {
			t.Errorf("credential %q: %v, want Unauthenticated", tc.cred, err)
		}
	}
}
