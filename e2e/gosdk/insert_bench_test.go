package gosdk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"net/http"
	"testing"
	"time"

	"github.com/milvus-io/milvus/client/v2/entity"
	"github.com/milvus-io/milvus/client/v2/milvusclient"
)

// BenchmarkInsert compares inserts over gRPC (Go SDK, columnar) and REST
// (JSON rows): batches of 1000 rows × 128 dims into a 1-shard collection,
// one client; reports rows/s.
//
//	cd e2e/gosdk && RAFTVEC_BIN=../../bin/raftvec go test -run '^$' -bench Insert -benchtime 100x
func BenchmarkInsert(b *testing.B) {
	n, c := benchNode(b)
	ctx := context.Background()
	const batch, d = 1000, 128
	r := rand.New(rand.NewSource(2))
	vecs := make([][]float32, batch)
	for i := range vecs {
		vecs[i] = make([]float32, d)
		for j := range vecs[i] {
			vecs[i][j] = r.Float32()
		}
	}
	setup := func(name string) {
		_ = c.DropCollection(ctx, milvusclient.NewDropCollectionOption(name))
		sch := entity.NewSchema().WithName(name).
			WithField(entity.NewField().WithName("id").WithDataType(entity.FieldTypeInt64).WithIsPrimaryKey(true)).
			WithField(entity.NewField().WithName("vec").WithDataType(entity.FieldTypeFloatVector).WithDim(d))
		if err := c.CreateCollection(ctx, milvusclient.NewCreateCollectionOption(name, sch)); err != nil {
			b.Fatal(err)
		}
	}
	next := int64(0)
	report := func(b *testing.B, start time.Time) {
		b.ReportMetric(float64(b.N*batch)/time.Since(start).Seconds(), "rows/s")
	}
	b.Run("grpc", func(b *testing.B) {
		setup("ins_grpc")
		start := time.Now()
		for i := 0; i < b.N; i++ {
			ids := make([]int64, batch)
			for k := range ids {
				ids[k], next = next, next+1
			}
			if _, err := c.Insert(ctx, milvusclient.NewColumnBasedInsertOption("ins_grpc").
				WithInt64Column("id", ids).WithFloatVectorColumn("vec", d, vecs)); err != nil {
				b.Fatal(err)
			}
		}
		report(b, start)
	})
	b.Run("rest", func(b *testing.B) {
		setup("ins_rest")
		start := time.Now()
		for i := 0; i < b.N; i++ {
			rows := make([]map[string]any, batch)
			for k := range rows {
				rows[k] = map[string]any{"id": next, "vec": vecs[k]}
				next++
			}
			body, _ := json.Marshal(map[string]any{"collectionName": "ins_rest", "data": rows})
			resp, err := http.Post("http://"+n.addr+"/v2/vectordb/entities/insert", "application/json", bytes.NewReader(body))
			if err != nil {
				b.Fatal(err)
			}
			var out struct {
				Code int `json:"code"`
			}
			err = json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			if err != nil || out.Code != 0 {
				b.Fatal(fmt.Errorf("insert: code %d, %v", out.Code, err))
			}
		}
		report(b, start)
	})
}
