package browser

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestConsoleShowsTheLiveCluster opens every console page in headless
// Chromium against a 3-node cluster on MinIO: the cluster page lists the
// three nodes and every Raft group with a leader; the collection page
// shows the HNSW index Finished and segments indexed, and follows a new
// insert within a refresh; the life-of-a-datum page draws the row's
// segment and chunk objects as the trace route reports them; the search
// playground answers with a bar per shard naming the replica and its
// role. No page may log a console error or make a failing request.
func TestConsoleShowsTheLiveCluster(t *testing.T) {
	nodes := startCluster(t)
	n := nodes[0]
	const coll = "console_demo"
	createCollection(t, n, coll)
	insertRows(t, n, coll, 0, 3000)
	n.call(t, "/v2/vectordb/collections/flush", map[string]any{"collectionName": coll})
	waitIndexed(t, n, coll)
	shots := screenshotDir(t)
	b := newBrowser(t, "http://"+n.http)

	b.open(t, "cluster")
	b.waitText(t, "#nodes", "node-1", "node-2", "node-3", "reachable")
	groups := b.waitText(t, "#groups", "meta", "shard-", "Leader")
	if strings.Count(groups, "Leader") < 3 { // meta and the two shards
		t.Fatalf("want a leader for meta and both shards, the page shows:\n%s", groups)
	}
	b.waitText(t, "#storage", "minio", "insert_log", coll)
	b.screenshot(t, shots, "cluster")
	b.checkClean(t, "cluster")

	b.open(t, "collections")
	b.waitText(t, "#list", coll, "3,000")
	insertRows(t, n, coll, 3000, 3500) // live: the open page follows it
	b.waitText(t, "#list", "3,500")
	b.checkClean(t, "collections")

	b.open(t, "collections/"+coll)
	b.waitText(t, "#indexes", "vector", "HNSW", "Finished")
	b.waitText(t, "#schema", "id", "Int64", "FloatVector", "dim=4")
	b.waitText(t, "#segsummary", "indexed")
	b.waitText(t, "#segments", "indexed")
	waitFor(t, 30*time.Second, "the segments-over-time chart", func() bool { return b.count(t, "#chartcount polygon") > 0 })
	b.screenshot(t, shots, "collection")
	b.checkClean(t, "collection")

	var trace struct {
		Segment  int64    `json:"segmentID"`
		Group    string   `json:"raftGroup"`
		LogIndex uint64   `json:"logIndex"`
		Objects  []string `json:"chunkObjects"`
	}
	if err := json.Unmarshal(n.call(t, "/v1/collections/"+coll+"/entities/42/trace", nil), &trace); err != nil || len(trace.Objects) == 0 || trace.LogIndex == 0 {
		t.Fatalf("trace of 42: %+v (%v): want a flushed row and the entry that wrote it", trace, err)
	}
	b.open(t, "datum/"+coll+"/42")
	b.waitText(t, "#datumpicture", fmt.Sprint(trace.Segment), trace.Group, fmt.Sprintf("log entry #%d", trace.LogIndex), "chunk objects", "index files")
	b.waitText(t, "#dresult", trace.Objects[0], `"title": "doc-42"`)
	if b.count(t, "#datumsvg rect") < 6 {
		t.Fatal("the life-of-a-datum picture has fewer boxes than its stages")
	}
	b.screenshot(t, shots, "datum")
	b.checkClean(t, "datum")

	b.open(t, "search")
	b.waitText(t, "#sfield", "vector")
	setValue(t, b, "#squery", "[0.5, 0.25, 0.125, 0]")
	setValue(t, b, "#scons", "Strong")
	setValue(t, b, "#sfilter", "id < 100")
	click(t, b, "#sform button[type=submit]")
	shards := b.waitText(t, "#sshards", "shard 0", "shard 1", "shard-")
	if !strings.Contains(shards, "leader") && !strings.Contains(shards, "follower") {
		t.Fatalf("the shard timings name no replica role:\n%s", shards)
	}
	hits := b.waitText(t, "#shits", "10 hits")
	if !strings.Contains(hits, "doc-0") { // the query is row 0's vector
		t.Fatalf("row 0 is not among the hits:\n%s", hits)
	}
	b.screenshot(t, shots, "search")
	b.checkClean(t, "search")
}

func setValue(t *testing.T, b *browser, sel, v string) {
	t.Helper()
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = %q; e.dispatchEvent(new Event("change")); return true })()`, sel, v)
	if err := runJS(b, js); err != nil {
		t.Fatalf("setting %s: %v", sel, err)
	}
}

func click(t *testing.T, b *browser, sel string) {
	t.Helper()
	if err := runJS(b, fmt.Sprintf(`(() => { document.querySelector(%q).click(); return true })()`, sel)); err != nil {
		t.Fatalf("clicking %s: %v", sel, err)
	}
}
