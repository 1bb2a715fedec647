// Command etcd-bench is the etcd side of raftvec's insert benchmark: it
// writes ROWS keys ("row/N") with VALUE-SIZE-byte values as transactions of
// BATCH puts each, from CLIENTS goroutines with one clientv3.Client each
// (spread round-robin over the endpoints), and prints rows/s (= puts/s) in
// the shape of `raftvec bench insert`. MB/s counts key and value bytes.
// Run it through run.sh, which starts a 3-member cluster on loopback.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

func main() {
	endpoints := flag.String("endpoints", "127.0.0.1:22379", "comma-separated etcd client endpoints")
	clients := flag.Int("clients", 8, "concurrent clients, one clientv3.Client each")
	rows := flag.Int("rows", 300000, "rows (puts) to write in all")
	batch := flag.Int("batch", 128, "puts per transaction")
	valueSize := flag.Int("value-size", 512, "bytes per value")
	timeout := flag.Duration("timeout", 30*time.Second, "timeout of one transaction")
	flag.Parse()
	eps := strings.Split(*endpoints, ",")
	if *clients < 1 || *batch < 1 || *rows < 1 || *valueSize < 0 || len(eps) == 0 {
		fmt.Fprintln(os.Stderr, "etcd-bench: --clients, --batch and --rows must be positive")
		os.Exit(2)
	}
	if err := run(eps, *clients, *rows, *batch, *valueSize, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "etcd-bench:", err)
		os.Exit(1)
	}
}

func run(eps []string, clients, rows, batch, valueSize int, timeout time.Duration) error {
	cs := make([]*clientv3.Client, clients)
	for i := range cs {
		c, err := clientv3.New(clientv3.Config{
			Endpoints:   []string{eps[i%len(eps)]},
			DialTimeout: 5 * time.Second,
			Logger:      zap.NewNop(),
		})
		if err != nil {
			return err
		}
		defer c.Close()
		cs[i] = c
	}
	val := make([]byte, valueSize)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range val {
		val[i] = byte(r.Uint32())
	}
	value := string(val)

	batches := (rows + batch - 1) / batch
	var next atomic.Int64 // next batch to send
	var sent atomic.Int64 // key and value bytes
	errs := make(chan error, clients)
	var wg sync.WaitGroup
	start := time.Now()
	for _, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ops := make([]clientv3.Op, 0, batch)
			for {
				b := int(next.Add(1) - 1)
				if b >= batches {
					return
				}
				lo, hi := b*batch, min((b+1)*batch, rows)
				ops = ops[:0]
				n := 0
				for k := lo; k < hi; k++ {
					key := fmt.Sprintf("row/%d", k)
					ops = append(ops, clientv3.OpPut(key, value))
					n += len(key) + len(value)
				}
				ctx, cancel := context.WithTimeout(context.Background(), timeout)
				resp, err := c.Txn(ctx).Then(ops...).Commit()
				cancel()
				if err == nil && !resp.Succeeded {
					err = fmt.Errorf("txn of rows %d-%d did not succeed", lo, hi)
				}
				if err != nil {
					errs <- err
					next.Store(int64(batches)) // stop the others
					return
				}
				sent.Add(int64(n))
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	select {
	case err := <-errs:
		return err
	default:
	}
	fmt.Printf("etcd insert: %d rows, batch %d, value %d B, %d clients, %d endpoints: %.2fs, %.0f rows/s, %.1f MB/s\n",
		rows, batch, valueSize, clients, len(eps), el.Seconds(), float64(rows)/el.Seconds(),
		float64(sent.Load())/1e6/el.Seconds())
	return nil
}
