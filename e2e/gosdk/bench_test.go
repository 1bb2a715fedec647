package gosdk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/milvus-io/milvus/client/v2/entity"
	"github.com/milvus-io/milvus/client/v2/index"
	"github.com/milvus-io/milvus/client/v2/milvusclient"
)

// BenchmarkSearch compares search over gRPC (the Go SDK) and REST (JSON
// over HTTP/1.1) against one standalone node with the same data: 20k
// seeded 128-dim vectors, HNSW, top-10, 4 concurrent clients.
//
//	cd e2e/gosdk && RAFTVEC_BIN=../../bin/raftvec go test -run '^$' -bench Search -benchtime 3000x
//
// RAFTVEC_ADDR=host:port uses a running node instead (e.g. to profile it
// through /debug/pprof while the benchmark runs); its "bench" collection
// is dropped first.
func BenchmarkSearch(b *testing.B) {
	n, c := benchNode(b)
	ctx := context.Background()
	const coll, rows, d = "bench", 20000, 128
	r := rand.New(rand.NewSource(1))
	vec := func() []float32 {
		v := make([]float32, d)
		for i := range v {
			v[i] = r.Float32()
		}
		return v
	}
	sch := entity.NewSchema().WithName(coll).
		WithField(entity.NewField().WithName("id").WithDataType(entity.FieldTypeInt64).WithIsPrimaryKey(true)).
		WithField(entity.NewField().WithName("vec").WithDataType(entity.FieldTypeFloatVector).WithDim(d))
	_ = c.DropCollection(ctx, milvusclient.NewDropCollectionOption(coll))
	if err := c.CreateCollection(ctx, milvusclient.NewCreateCollectionOption(coll, sch)); err != nil {
		b.Fatal(err)
	}
	for start := 0; start < rows; start += 2000 {
		ids, vecs := make([]int64, 2000), make([][]float32, 2000)
		for i := range ids {
			ids[i], vecs[i] = int64(start+i), vec()
		}
		if _, err := c.Insert(ctx, milvusclient.NewColumnBasedInsertOption(coll).WithInt64Column("id", ids).WithFloatVectorColumn("vec", d, vecs)); err != nil {
			b.Fatal(err)
		}
	}
	ft, _ := c.Flush(ctx, milvusclient.NewFlushOption(coll))
	_ = ft.Await(ctx)
	it, err := c.CreateIndex(ctx, milvusclient.NewCreateIndexOption(coll, "vec", index.NewHNSWIndex(entity.L2, 16, 200)))
	if err != nil {
		b.Fatal(err)
	}
	if err := it.Await(ctx); err != nil {
		b.Fatal(err)
	}
	queries := make([][]float32, 256)
	for i := range queries {
		queries[i] = vec()
	}
	run := func(b *testing.B, one func(q []float32) error) {
		var next int
		var mu sync.Mutex
		var wg sync.WaitGroup
		start := time.Now()
		b.ResetTimer()
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					mu.Lock()
					i := next
					next++
					mu.Unlock()
					if i >= b.N {
						return
					}
					if err := one(queries[i%len(queries)]); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "qps")
	}
	b.Run("grpc", func(b *testing.B) {
		run(b, func(q []float32) error {
			rs, err := c.Search(ctx, milvusclient.NewSearchOption(coll, 10, []entity.Vector{entity.FloatVector(q)}).
				WithANNSField("vec").WithAnnParam(index.NewHNSWAnnParam(64)))
			if err == nil && rs[0].ResultCount != 10 {
				err = fmt.Errorf("%d hits", rs[0].ResultCount)
			}
			return err
		})
	})
	b.Run("rest", func(b *testing.B) {
		hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
		run(b, func(q []float32) error {
			body, _ := json.Marshal(map[string]any{"collectionName": coll, "data": [][]float32{q}, "annsField": "vec",
				"limit": 10, "searchParams": map[string]any{"params": map[string]any{"ef": 64}}})
			resp, err := hc.Post("http://"+n.addr+"/v2/vectordb/entities/search", "application/json", bytes.NewReader(body))
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			var out struct {
				Code int              `json:"code"`
				Data []map[string]any `json:"data"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
				return err
			}
			if out.Code != 0 || len(out.Data) != 10 {
				return fmt.Errorf("code %d, %d hits", out.Code, len(out.Data))
			}
			return nil
		})
	})
}
