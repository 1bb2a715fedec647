//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// backupCall posts to a /v1/backup/ route and returns the envelope.
func backupCall(p *proc, verb string, body map[string]any) envelope {
	p.t.Helper()
	_, env := p.admin("/v1/backup/"+verb, body)
	return env
}

func backupOK(p *proc, verb string, body map[string]any) envelope {
	p.t.Helper()
	env := backupCall(p, verb, body)
	if env.Code != 0 {
		log, _ := os.ReadFile(p.log.Name())
		p.t.Fatalf("backup/%s %v: code %d: %s\nnode log (tail):\n%s", verb, body, env.Code, env.Message, tail(log, 4000))
	}
	return env
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

const backupDim = 8

// backupQueries are the search vectors whose results must match.
var backupQueries = [][]float32{vec(3, backupDim), vec(777, backupDim), vec(1190, backupDim)}

// backupSearch returns the ids and distances of each query's top 10, read
// at Strong.
func backupSearch(t *testing.T, p *proc, coll string) [][]string {
	t.Helper()
	var out [][]string
	for _, q := range backupQueries {
		env := p.ok("entities/search", map[string]any{"collectionName": coll, "data": [][]float32{q}, "limit": 10,
			"annsField": "vector", "consistencyLevel": "Strong", "outputFields": []string{"title"}})
		var hits []map[string]any
		if err := json.Unmarshal(env.Data, &hits); err != nil {
			t.Fatalf("search: %s", env.Data)
		}
		var row []string
		for _, h := range hits {
			row = append(row, fmt.Sprintf("%v:%.4f:%v", h["id"], h["distance"], h["title"]))
		}
		out = append(out, row)
	}
	return out
}

// fillBackupSource creates a 2-shard HNSW collection of 1200 rows with
// every tenth deleted, flushed and indexed.
func fillBackupSource(t *testing.T, p *proc, coll string) {
	t.Helper()
	p.ok("collections/create", map[string]any{"collectionName": coll, "params": map[string]any{"shardsNum": 2},
		"schema": map[string]any{"enableDynamicField": true, "fields": []map[string]any{
			{"fieldName": "id", "dataType": "Int64", "isPrimary": true},
			{"fieldName": "title", "dataType": "VarChar", "elementTypeParams": map[string]any{"max_length": 32}},
			{"fieldName": "vector", "dataType": "FloatVector", "elementTypeParams": map[string]any{"dim": backupDim}}}},
		"indexParams": []map[string]any{{"fieldName": "vector", "indexName": "vector", "metricType": "L2", "indexType": "HNSW"}}})
	p.ok("partitions/create", map[string]any{"collectionName": coll, "partitionName": "extra"})
	for from := 0; from < 1200; from += 200 {
		var rows []map[string]any
		for i := from; i < from+200; i++ {
			rows = append(rows, map[string]any{"id": i, "title": fmt.Sprintf("t-%d", i), "vector": vec(i, backupDim), "color": i % 3})
		}
		body := map[string]any{"collectionName": coll, "data": rows}
		if from == 1000 {
			body["partitionName"] = "extra"
		}
		p.ok("entities/insert", body)
	}
	var gone []int64
	for i := int64(0); i < 1200; i += 10 {
		gone = append(gone, i)
	}
	p.ok("entities/delete", map[string]any{"collectionName": coll, "filter": fmtIDs(gone)})
	waitSealedFlushed(t, p, coll)
	waitIndexed(t, p, coll)
}

// checkRestored checks a restored collection against the source's state
// at backup time: count, gets (deleted rows absent, rows written after the
// backup absent), partitions, search results, index files copied.
func checkRestored(t *testing.T, p *proc, coll, stage string, want [][]string) {
	t.Helper()
	if n := countRows(t, p, coll, ""); n != 1080 {
		t.Fatalf("%s: count %d, want 1080", stage, n)
	}
	if n := countRows(t, p, coll, "color == 1"); n != 360 {
		t.Fatalf("%s: dynamic field count %d, want 360", stage, n)
	}
	env := p.ok("entities/get", map[string]any{"collectionName": coll, "id": []int{1, 10, 999, 1001, 1100, 5000}, "outputFields": []string{"title"}})
	var got []map[string]any
	_ = json.Unmarshal(env.Data, &got)
	var titles []string
	for _, r := range got {
		titles = append(titles, fmt.Sprint(r["title"]))
	}
	sort.Strings(titles)
	if strings.Join(titles, ",") != "t-1,t-1001,t-999" {
		t.Fatalf("%s: get 1,10,999,1001,1100,5000: %s, want t-1, t-999 and t-1001 only", stage, env.Data)
	}
	env = p.ok("entities/query", map[string]any{"collectionName": coll, "partitionNames": []string{"extra"}, "outputFields": []string{"count(*)"}})
	if !strings.Contains(string(env.Data), `"count(*)":180`) {
		t.Fatalf("%s: partition extra: %s, want 180 rows", stage, env.Data)
	}
	if got := backupSearch(t, p, coll); !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: search results\n%v\nwant (the source's at backup time)\n%v", stage, got, want)
	}
	for _, s := range segmentsOf(t, p, coll) {
		if s.Rows > 0 && len(s.IndexFiles) == 0 {
			t.Fatalf("%s: segment without its index file (restore should copy them): %+v", stage, s)
		}
	}
}

// backupScenario backs up a collection on src and restores it on dst
// (the same node, or another cluster on the same bucket).
func backupScenario(t *testing.T, src, dst *proc, restart func() *proc) {
	const coll = "source"
	fillBackupSource(t, src, coll)
	want := backupSearch(t, src, coll)
	env := backupOK(src, "create", map[string]any{"collectionName": coll, "backupName": "b1"})
	var sum struct {
		LiveRows int64 `json:"liveRows"`
		Bytes    int64 `json:"bytes"`
		Objects  int   `json:"objects"`
	}
	_ = json.Unmarshal(env.Data, &sum)
	if sum.LiveRows != 1080 || sum.Bytes == 0 || sum.Objects == 0 {
		t.Fatalf("backup/create: %s", env.Data)
	}
	t.Logf("backup/create: %s", env.Data)
	// Written after the backup: none of it may appear in the restore.
	p := src
	p.ok("entities/insert", map[string]any{"collectionName": coll, "data": []map[string]any{
		{"id": 5000, "title": "late", "vector": vec(5000, backupDim)}}})
	p.ok("entities/delete", map[string]any{"collectionName": coll, "filter": "id in [1, 999]"})
	p.ok("entities/upsert", map[string]any{"collectionName": coll, "data": []map[string]any{
		{"id": 1001, "title": "changed", "vector": vec(1, backupDim)}}})

	if env := backupOK(dst, "list", map[string]any{}); !strings.Contains(string(env.Data), `"backupName":"b1"`) {
		t.Fatalf("backup/list: %s", env.Data)
	}
	if env := backupOK(dst, "describe", map[string]any{"backupName": "b1"}); !strings.Contains(string(env.Data), `"appliedIndex"`) {
		t.Fatalf("backup/describe: %s", env.Data)
	}
	env = backupOK(dst, "restore", map[string]any{"backupName": "b1", "collectionName": "restored"})
	if !strings.Contains(string(env.Data), `"rows":1080`) {
		t.Fatalf("backup/restore: %s", env.Data)
	}
	t.Logf("backup/restore: %s", env.Data)
	checkRestored(t, dst, "restored", "after restore", want)

	// Refusals change nothing.
	if env := backupCall(dst, "restore", map[string]any{"backupName": "b1", "collectionName": "restored"}); env.Code == 0 || !strings.Contains(env.Message, "restored") {
		t.Fatalf("restore into an existing name: %+v", env)
	}
	if env := backupCall(src, "restore", map[string]any{"backupName": "b1", "collectionName": coll}); env.Code == 0 {
		t.Fatalf("restore over the source: %+v", env)
	}
	if n := countRows(t, src, coll, ""); n != 1079 { // 1080 + 5000 − 1 − 999
		t.Fatalf("source after a refused restore: %d rows, want 1079", n)
	}
	if env := backupCall(src, "create", map[string]any{"collectionName": "missing", "backupName": "b2"}); env.Code == 0 || !strings.Contains(env.Message, "missing") {
		t.Fatalf("backup of a missing collection: %+v", env)
	}
	if env := backupCall(src, "create", map[string]any{"collectionName": coll, "backupName": "b1"}); env.Code == 0 || !strings.Contains(env.Message, "exists") {
		t.Fatalf("backup under a taken name: %+v", env)
	}
	if env := backupCall(dst, "restore", map[string]any{"backupName": "nope", "collectionName": "x"}); env.Code == 0 || !strings.Contains(env.Message, "not found") {
		t.Fatalf("restore of a missing backup: %+v", env)
	}
	if env := backupCall(dst, "list", map[string]any{}); strings.Contains(string(env.Data), "b2") {
		t.Fatalf("a failed backup is listed: %s", env.Data)
	}
	checkRestored(t, dst, "restored", "after the refusals", want)

	// What a failed restore leaves (the collection it was filling) is
	// replaced by the next attempt.
	dst.ok("collections/create", map[string]any{"collectionName": "_restore_again", "dimension": 4})
	dst.ok("entities/insert", map[string]any{"collectionName": "_restore_again", "data": []map[string]any{{"id": 1, "vector": []float32{1, 2, 3, 4}}}})
	backupOK(dst, "restore", map[string]any{"backupName": "b1", "collectionName": "again"})
	checkRestored(t, dst, "again", "after a retried restore", want)
	if env := dst.ok("collections/has", map[string]any{"collectionName": "_restore_again"}); !strings.Contains(string(env.Data), "false") {
		t.Fatalf("the leftover of a failed restore is still there: %s", env.Data)
	}

	// Deleting the backup leaves the collections restored from it alone.
	// The copied objects and the manifest (how many objects depends on
	// whether the source's leader compacted a segment before the backup).
	if env := backupOK(dst, "delete", map[string]any{"backupName": "b1"}); !strings.Contains(string(env.Data), fmt.Sprintf(`"objects":%d`, sum.Objects+1)) {
		t.Fatalf("backup/delete: %s, want %d objects", env.Data, sum.Objects+1)
	}
	if env := backupCall(src, "list", map[string]any{}); strings.Contains(string(env.Data), `"b1"`) {
		t.Fatalf("a deleted backup is listed: %s", env.Data)
	}
	if env := backupCall(dst, "delete", map[string]any{"backupName": "b1"}); env.Code == 0 || !strings.Contains(env.Message, "not found") {
		t.Fatalf("deleting it again: %+v", env)
	}
	if env := backupCall(dst, "restore", map[string]any{"backupName": "b1", "collectionName": "late"}); env.Code == 0 || !strings.Contains(env.Message, "not found") {
		t.Fatalf("restore of a deleted backup: %+v", env)
	}
	checkRestored(t, dst, "restored", "after the backup was deleted", want)

	// The restored rows are the collection's own: they take writes,
	// survive a restart and a compaction.
	dst = restart()
	checkRestored(t, dst, "restored", "after a restart", want)
	var gone []int64
	for i := int64(1); i < 1200; i += 2 { // half of every segment: each is compacted
		gone = append(gone, i)
	}
	dst.ok("entities/delete", map[string]any{"collectionName": "restored", "filter": fmtIDs(gone)})
	dst.ok("collections/compact", map[string]any{"collectionName": "restored"})
	waitCompacted(t, dst, "restored")
	if n := countRows(t, dst, "restored", ""); n != 1080-int64(len(gone)) {
		t.Fatalf("after compaction: %d rows, want %d", n, 1080-len(gone))
	}
	dst.ok("entities/insert", map[string]any{"collectionName": "restored", "data": []map[string]any{
		{"id": 5000, "title": "new", "vector": vec(5000, backupDim)}}})
	if n := countRows(t, dst, "restored", ""); n != 1081-int64(len(gone)) {
		t.Fatalf("after an insert: %d rows", n)
	}
}

// TestBackupRestore backs up a collection of a standalone node (local
// object storage) and restores it under a new name on the same node.
func TestBackupRestore(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	flags := []string{"--admin-api", "--chunk-size", "4096", "--segment-seal-size", "16384", "--gc-tolerance", "1s", "--gc-interval", "500ms"}
	p := startStandalone(t, data, flags...)
	backupScenario(t, p, p, func() *proc {
		if err := p.stop(); err != nil {
			t.Fatal(err)
		}
		p = startStandalone(t, data, flags...)
		return p
	})
}

// TestBackupRestoreMinIOAnotherCluster backs up on one node and restores
// on another that shares the MinIO bucket under a different --minio-root
// (another cluster): the backup lives under --backup-root, beside both.
// Runs in `make test-minio`.
func TestBackupRestoreMinIOAnotherCluster(t *testing.T) {
	endpoint := os.Getenv("RAFTVEC_TEST_MINIO_ENDPOINT")
	if endpoint == "" {
		t.Skip("RAFTVEC_TEST_MINIO_ENDPOINT is not set: run with `make test-minio`")
	}
	dir := t.TempDir()
	bucket := "raftvec-e2e-backup"
	run := fmt.Sprintf("%d-%d", os.Getpid(), time.Now().UnixNano()) // a fresh prefix per run (-count=N)
	backupRoot := "backups-" + run
	s3 := func(root string) []string {
		return []string{"--admin-api", "--chunk-size", "4096", "--segment-seal-size", "16384", "--gc-tolerance", "1s", "--gc-interval", "500ms",
			"--storage", "minio", "--minio-endpoint", endpoint, "--minio-access-key", os.Getenv("RAFTVEC_TEST_MINIO_ACCESS_KEY"),
			"--minio-secret-key", os.Getenv("RAFTVEC_TEST_MINIO_SECRET_KEY"), "--minio-bucket", bucket, "--minio-root", root,
			"--backup-root", backupRoot}
	}
	for _, d := range []string{"a", "b"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	a := startStandalone(t, filepath.Join(dir, "a", "data"), s3("cluster-a-"+run)...)
	bData, bRoot := filepath.Join(dir, "b", "data"), "cluster-b-"+run
	b := startStandalone(t, bData, s3(bRoot)...)
	backupScenario(t, a, b, func() *proc {
		if err := b.stop(); err != nil {
			t.Fatal(err)
		}
		b = startStandalone(t, bData, s3(bRoot)...)
		return b
	})

	// Auto IDs: the keys a's allocator gave out are not given out again by
	// b's after the restore there.
	a.ok("collections/create", map[string]any{"collectionName": "auto", "dimension": backupDim, "autoId": true})
	var rows []map[string]any
	for i := range 100 {
		rows = append(rows, map[string]any{"vector": vec(i, backupDim)})
	}
	a.ok("entities/insert", map[string]any{"collectionName": "auto", "data": rows})
	backupOK(a, "create", map[string]any{"collectionName": "auto", "backupName": "auto"})
	backupOK(b, "restore", map[string]any{"backupName": "auto", "collectionName": "auto"})
	if env := b.call("entities/insert", map[string]any{"collectionName": "auto", "data": rows}); env.Code != 0 {
		t.Fatalf("insert with auto IDs after a restore from another cluster: %+v", env)
	}
	if n := countRows(t, b, "auto", ""); n != 200 {
		t.Fatalf("auto: %d rows, want 200", n)
	}
}

// TestBackupUnderWrites backs up a collection while a client inserts into
// it without pause: the backup holds the shard at one log index, so the
// restored rows are exactly the batches acknowledged up to some point
// (ids 0..n-1 of a sequential writer), no fewer than were acknowledged
// before the backup started and no more than when it returned. Rows not
// flushed yet at that index come from the replica with the listing.
func TestBackupUnderWrites(t *testing.T) {
	dir := t.TempDir()
	p := startStandalone(t, filepath.Join(dir, "data"), "--admin-api", "--chunk-size", "8192", "--segment-seal-size", "32768")
	p.ok("collections/create", map[string]any{"collectionName": "busy", "dimension": backupDim, "params": map[string]any{"shardsNum": 1}})
	var acked atomic.Int64
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		for next := 0; ; next += 20 {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			var rows []map[string]any
			for i := next; i < next+20; i++ {
				rows = append(rows, map[string]any{"id": i, "vector": vec(i, backupDim)})
			}
			var env envelope
			if err := json.Unmarshal(p.callRaw("entities/insert", map[string]any{"collectionName": "busy", "data": rows}), &env); err != nil || env.Code != 0 {
				done <- fmt.Errorf("insert %d: %+v %v", next, env, err)
				return
			}
			acked.Store(int64(next + 20))
		}
	}()
	for deadline := time.Now().Add(60 * time.Second); acked.Load() < 2000; time.Sleep(10 * time.Millisecond) {
		select {
		case err := <-done:
			t.Fatalf("the writer stopped: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(p.log.Name())
			t.Fatalf("2000 rows not acknowledged in a minute (%d); node log (tail):\n%s", acked.Load(), tail(log, 4000))
		}
	}
	before := acked.Load()
	backupOK(p, "create", map[string]any{"collectionName": "busy", "backupName": "busy"})
	after := acked.Load()
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	backupOK(p, "restore", map[string]any{"backupName": "busy", "collectionName": "busy_copy"})
	n := countRows(t, p, "busy_copy", "")
	if n < before || n > after+20 || n%20 != 0 {
		t.Fatalf("restored %d rows; %d were acknowledged before the backup, %d after", n, before, after)
	}
	if m := countRows(t, p, "busy_copy", fmt.Sprintf("id < %d", n)); m != n {
		t.Fatalf("restored %d rows but only %d of ids 0..%d: not one point of the log", n, m, n-1)
	}
	t.Logf("restored %d rows (acknowledged: %d before the backup, %d after)", n, before, after)
}
