//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var curlRE = regexp.MustCompile(`(?s)^curl -s localhost:19530(\S+)\s+-d '(.*)'$`)

// readmeExamples returns the curl commands between the readme-examples
// markers of README.md (every such block, in order), continuation lines
// joined.
func readmeExamples(t *testing.T) [][2]string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- readme-examples:begin -->", "<!-- readme-examples:end -->"
	text := string(b)
	var cmds [][2]string
	for {
		start := strings.Index(text, begin)
		stop := strings.Index(text, end)
		if start < 0 || stop < start {
			break
		}
		cmds = append(cmds, blockExamples(t, text[start:stop])...)
		text = text[stop+len(end):]
	}
	if len(cmds) == 0 {
		t.Fatal("README.md has no readme-examples block")
	}
	return cmds
}

// blockExamples returns the curl commands of one readme-examples block.
func blockExamples(t *testing.T, block string) [][2]string {
	t.Helper()
	var cmds [][2]string
	var cur strings.Builder
	for _, line := range strings.Split(block, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") || strings.HasPrefix(line, "```") || strings.HasPrefix(line, "<!--") {
			continue
		}
		if line == "" {
			continue
		}
		if strings.HasSuffix(line, `\`) {
			cur.WriteString(strings.TrimSuffix(line, `\`))
			continue
		}
		cur.WriteString(line)
		if strings.Count(cur.String(), "'")%2 == 1 { // inside a quoted body
			cur.WriteString(" ")
			continue
		}
		m := curlRE.FindStringSubmatch(cur.String())
		if m == nil {
			t.Fatalf("README example is not of the form curl -s localhost:19530/... -d '...': %s", cur.String())
		}
		cmds = append(cmds, [2]string{m[1], m[2]})
		cur.Reset()
	}
	return cmds
}

// TestReadmeExamples runs the README's curl examples, as written, against
// the real binary and checks that each succeeds and that the results are
// the ones the README describes.
func TestReadmeExamples(t *testing.T) {
	cmds := readmeExamples(t)
	if len(cmds) < 10 {
		t.Fatalf("found only %d README examples", len(cmds))
	}
	p := startStandalone(t, filepath.Join(t.TempDir(), "data"))
	checkReadmeResults(t, runExamples(t, p.http, cmds))
}

// runExamples runs the README examples against one node and returns each
// reply by route, in order.
func runExamples(t *testing.T, addr string, cmds [][2]string) map[string][]envelope {
	t.Helper()
	results := map[string][]envelope{}
	for _, c := range cmds {
		if !json.Valid([]byte(c[1])) {
			t.Fatalf("README example body for %s is not JSON: %s", c[0], c[1])
		}
		resp, err := http.Post("http://"+addr+c[0], "application/x-www-form-urlencoded", strings.NewReader(c[1]))
		if err != nil {
			t.Fatal(err)
		}
		var env envelope
		err = json.NewDecoder(resp.Body).Decode(&env)
		resp.Body.Close()
		if err != nil || env.Code != 0 {
			t.Fatalf("%s %s: code %d %q (%v)", c[0], c[1], env.Code, env.Message, err)
		}
		results[c[0]] = append(results[c[0]], env)
	}
	return results
}

func checkReadmeResults(t *testing.T, results map[string][]envelope) {
	t.Helper()
	search := results["/v2/vectordb/entities/search"][0]
	var hits []map[string]any
	_ = json.Unmarshal(search.Data, &hits)
	if len(hits) != 2 || hits[0]["id"] != "1" || hits[1]["id"] != "3" || hits[0]["color"] != "red" {
		t.Fatalf("search example returned %s", search.Data)
	}
	count := results["/v2/vectordb/entities/query"][1]
	if !strings.Contains(string(count.Data), `"count(*)":3`) {
		t.Fatalf("count example returned %s", count.Data)
	}
	checkHitIDs(t, "BM25 search example", results["/v2/vectordb/entities/search"][1], "1", "3")
	checkHitIDs(t, "text_match example", results["/v2/vectordb/entities/query"][2], "1", "2")
	checkHitIDs(t, "sparse search example", results["/v2/vectordb/entities/search"][2], "2", "1")
	stats := results["/v2/vectordb/collections/get_stats"][0]
	if !strings.Contains(string(stats.Data), `"rowCount":2`) {
		t.Fatalf("get_stats after upsert and delete returned %s", stats.Data)
	}
	// The Databases examples.
	if got := string(results["/v2/vectordb/entities/query"][3].Data); !strings.Contains(got, `"count(*)":1`) {
		t.Fatalf("count in database analytics returned %s", got)
	}
	if got := string(results["/v2/vectordb/databases/list"][0].Data); got != `["default","analytics"]` {
		t.Fatalf("databases/list example returned %s", got)
	}
	if got := string(results["/v2/vectordb/databases/describe"][0].Data); !strings.Contains(got, `{"key":"owner","value":"team_a"}`) {
		t.Fatalf("databases/describe example returned %s", got)
	}
}

// checkHitIDs checks the ids of a search or query reply, in order.
func checkHitIDs(t *testing.T, what string, env envelope, want ...string) {
	t.Helper()
	var rows []map[string]any
	_ = json.Unmarshal(env.Data, &rows)
	got := make([]string, len(rows))
	for i, r := range rows {
		got[i] = fmt.Sprint(r["id"])
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("%s returned ids %v, want %v: %s", what, got, want, env.Data)
	}
}
