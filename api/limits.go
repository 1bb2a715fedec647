package api

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/raftvec/raftvec/segment"
)

// Request and reply bounds (README "Limits"). Every bound is checked before
// anything is sent to a shard, except maxReplyBytes, which is checked while
// the reply is built from the shards' results and before it is encoded.
const (
	// maxWindow bounds offset+limit of queries and searches, the number of
	// query vectors of a search and the number of ids of a get (Milvus's
	// max result window, topK and nq limits).
	maxWindow = 16384
	// maxResults bounds the hits one search request may ask for:
	// nq × (offset+limit), summed over the sub-searches of a hybrid search
	// (each shard returns up to that many). Milvus bounds only each factor
	// (16384) and the reply size; their product, 2^28 hits, takes minutes
	// and gigabytes, so raftvec bounds it at 16 full windows.
	maxResults = 16 * maxWindow
	// defaultMaxReplyBytes bounds the (estimated) JSON size of the rows of
	// a search, query or get reply: Milvus's
	// quotaAndLimits.limits.maxOutputSize default, 100 MiB.
	defaultMaxReplyBytes = 100 << 20
)

// maxReplyBytes is defaultMaxReplyBytes; tests lower it.
var maxReplyBytes = defaultMaxReplyBytes

// checkWindow validates offset and limit, comparing each with the window
// before adding them so the sum cannot overflow.
func checkWindow(offset, limit int) error {
	if offset < 0 || limit < 0 {
		return invalidf("invalid offset %d / limit %d: must not be negative", offset, limit)
	}
	if offset > maxWindow || limit > maxWindow || offset+limit > maxWindow {
		return invalidf("invalid offset %d + limit %d: must be at most %d", offset, limit, maxWindow)
	}
	return nil
}

// checkResults bounds the hits a search asks for: nq query vectors, each
// for topK hits (offset+limit, at most maxWindow after checkWindow).
func checkResults(nq, topK int) error {
	if nq > 0 && topK > maxResults/nq {
		return invalidf("search too large: %d query vectors × %d results (offset+limit) = %d results, at most %d per request; split it into smaller searches",
			nq, topK, nq*topK, maxResults)
	}
	return nil
}

// checkHybridTotal bounds the hits all sub-searches of a hybrid search ask
// for together.
func checkHybridTotal(total int) error {
	if total > maxResults {
		return invalidf("hybrid search too large: its sub-searches ask for %d results (query vectors × limit, summed), at most %d per request", total, maxResults)
	}
	return nil
}

// replySize accumulates the estimated JSON size of a reply's rows and fails
// once it passes maxReplyBytes.
type replySize struct{ n int }

func (r *replySize) add(row map[string]any) error {
	for k, v := range row {
		r.n += len(k) + 4 + approxJSONSize(v)
	}
	if r.n > maxReplyBytes {
		return invalidf("reply too large: more than %d bytes of results; ask for fewer rows (limit), fewer output fields or fewer query vectors", maxReplyBytes)
	}
	return nil
}

// approxJSONSize estimates the encoded size of a rendered value (an upper
// estimate for numbers, exact for strings without escapes).
func approxJSONSize(v any) int {
	switch x := v.(type) {
	case nil, bool:
		return 5
	case string:
		return len(x) + 2
	case []byte:
		return len(x)
	case json.RawMessage:
		return len(x)
	case []float32:
		return 1 + 16*len(x)
	case []any:
		n := 2
		for _, e := range x {
			n += 1 + approxJSONSize(e)
		}
		return n
	case map[string]any:
		n := 2
		for k, e := range x {
			n += len(k) + 4 + approxJSONSize(e)
		}
		return n
	}
	return 24
}

// finiteDistance makes a distance JSON-encodable: a distance that overflowed
// float32 (+Inf, e.g. the squared L2 distance of two vectors with elements
// near ±3.4e38) is reported as the largest float32, ±3.4028235e38, which
// ranks the same way. NaN never reaches here (mergeHits drops it).
func finiteDistance(d float32) float32 {
	switch {
	case math.IsInf(float64(d), 1):
		return math.MaxFloat32
	case math.IsInf(float64(d), -1):
		return -math.MaxFloat32
	}
	return d
}

// checkNames validates the names a request creates.
func checkName(kind, name string) error {
	if name == "" {
		return missingf("missing required parameter: the %s name is empty", kind)
	}
	if !utf8.ValidString(name) {
		return invalidf("invalid %s name %s: not valid UTF-8", kind, strconv.QuoteToASCII(name))
	}
	if len(name) > maxNameLength {
		return invalidf("invalid %s name %s…: longer than %d characters", kind, strconv.Quote(name[:32]), maxNameLength)
	}
	c := name[0]
	if c != '_' && !isLetter(c) {
		return invalidf("invalid %s name %s: the first character must be an underscore or a letter", kind, strconv.QuoteToASCII(name))
	}
	for i := 1; i < len(name); i++ {
		if c := name[i]; c != '_' && !isLetter(c) && !(c >= '0' && c <= '9') {
			return invalidf("invalid %s name %s: it can only contain letters, digits and underscores", kind, strconv.QuoteToASCII(name))
		}
	}
	return nil
}

// maxNameLength is Milvus's proxy.maxNameLength.
const maxNameLength = 255

func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

// checkSchemaNames validates the user-given names of a new collection.
func checkSchemaNames(s *segment.Schema) error {
	for i := range s.Fields {
		f := &s.Fields[i]
		if f.IsDynamic {
			continue
		}
		if err := checkName("field", f.Name); err != nil {
			return err
		}
		if f.Name == distanceKey {
			return invalidf("invalid field name %q: reserved for the score of search results", f.Name)
		}
	}
	return nil
}

// checkText refuses a body that is not valid UTF-8 or that escapes a lone
// UTF-16 surrogate ("\ud800"): encoding/json would silently replace either
// with U+FFFD, storing something other than what was sent.
func checkText(body []byte) error {
	if !utf8.Valid(body) {
		i := 0
		for i < len(body) {
			r, n := utf8.DecodeRune(body[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return errf(codeBadJSON, "body is not valid JSON: invalid UTF-8 at byte %d", i)
	}
	for i := 0; i < len(body); i++ {
		if body[i] != '\\' || i+1 >= len(body) {
			continue
		}
		i++ // the escaped character; \\ must not start a new escape
		if body[i] != 'u' {
			continue
		}
		r, ok := hex4(body, i+1)
		if !ok {
			continue // not a valid escape: the JSON decoder reports it
		}
		switch {
		case r >= 0xDC00 && r <= 0xDFFF:
			return errf(codeBadJSON, "body is not valid JSON: lone low surrogate \\u%04x at byte %d", r, i-1)
		case r >= 0xD800 && r <= 0xDBFF:
			j := i + 5
			if j+1 < len(body) && body[j] == '\\' && body[j+1] == 'u' {
				if lo, ok := hex4(body, j+2); ok && lo >= 0xDC00 && lo <= 0xDFFF {
					i = j + 5
					continue
				}
			}
			return errf(codeBadJSON, "body is not valid JSON: lone high surrogate \\u%04x at byte %d", r, i-1)
		}
		i += 4
	}
	return nil
}

// hex4 reads 4 hex digits at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// checkSessionToken validates a Raftvec-Session-Token request header: empty,
// or comma-separated shard=index pairs (shard in [0, maxShards), index a
// positive integer, each shard once), as writes return it.
func checkSessionToken(tok string) error {
	if tok == "" {
		return nil
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(tok, ",") {
		shard, idx, ok := strings.Cut(part, "=")
		n, err1 := strconv.Atoi(shard)
		i, err2 := strconv.ParseUint(idx, 10, 64)
		if !ok || err1 != nil || err2 != nil || n < 0 || n >= maxShards || i == 0 || seen[shard] || shard != strconv.Itoa(n) {
			t := tok
			if len(t) > 64 {
				t = t[:64] + "…"
			}
			return invalidf("invalid %s header %s: want the token a write returned (shard=index,...)", headerSessionToken, strconv.QuoteToASCII(t))
		}
		seen[shard] = true
	}
	return nil
}
