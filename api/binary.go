package api

import (
	"fmt"

	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/proxy"
	"github.com/raftvec/raftvec/segment"
)

// binaryVector converts a BinaryVector value: a list of Dim/8 byte values
// (0…255, the first byte holding bits 0…7), or bytes a binary front end
// decoded.
func binaryVector(dim int, v any) ([]byte, error) {
	if b, ok := v.([]byte); ok {
		if len(b) != dim/8 {
			return nil, fmt.Errorf("binary vector has %d bytes, want %d (dim %d)", len(b), dim/8, dim)
		}
		return b, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("want a BinaryVector (a list of %d byte values), got %s", dim/8, describe(v))
	}
	if len(list) != dim/8 {
		return nil, fmt.Errorf("binary vector has %d bytes, want %d (dim %d)", len(list), dim/8, dim)
	}
	out := make([]byte, len(list))
	for i, e := range list {
		n, err := toInt(e)
		if err != nil || n < 0 || n > 255 {
			return nil, fmt.Errorf("binary vector byte %d: want an integer in [0, 255], got %s", i, describe(e))
		}
		out[i] = byte(n)
	}
	return out, nil
}

// binaryQueries sets the queries of a search on a BinaryVector field:
// "data" as a list of byte lists, or bytes a binary front end decoded.
func binaryQueries(col *coordinator.Collection, r *SearchRequest, req *proxy.SearchRequest) error {
	f := &col.Schema.Fields[req.AnnsField]
	if present(r.IDs) {
		return invalidf("search by \"ids\" is not supported on binary field %q", f.Name)
	}
	if r.Binary != nil {
		req.Binary = r.Binary
	} else {
		list, err := decodeList(r.Data)
		if err != nil {
			return err
		}
		req.Binary = make([][]byte, len(list))
		for i, e := range list {
			if req.Binary[i], err = binaryVector(f.Dim, e); err != nil {
				return invalidf("data[%d]: %v", i, err)
			}
		}
	}
	for i, q := range req.Binary {
		if len(q) != f.Dim/8 {
			return invalidf("data[%d]: binary vector has %d bytes, want %d (dim %d)", i, len(q), f.Dim/8, f.Dim)
		}
	}
	return checkResults(len(req.Binary), req.TopK)
}

// checkBinaryIndex validates a BinaryVector field's index: BIN_FLAT or
// BIN_IVF_FLAT (AUTOINDEX), metric HAMMING (default) or JACCARD.
func checkBinaryIndex(f *segment.Field, ix *coordinator.Index, metricGiven bool) error {
	switch ix.IndexType {
	case "AUTOINDEX", "BIN_IVF_FLAT":
		ix.IndexType = "BIN_IVF_FLAT"
	case "BIN_FLAT":
	default:
		return invalidf("invalid index type %q for binary field %q: want BIN_FLAT or BIN_IVF_FLAT", ix.IndexType, f.Name)
	}
	if !metricGiven {
		ix.MetricType = "HAMMING"
	}
	if ix.MetricType != "HAMMING" && ix.MetricType != "JACCARD" {
		return invalidf("invalid metricType %q for binary field %q: want HAMMING or JACCARD", ix.MetricType, f.Name)
	}
	return nil
}

// binaryBytes renders a binary vector as its byte values (what REST takes).
func binaryBytes(b []byte) []int {
	out := make([]int, len(b))
	for i, x := range b {
		out[i] = int(x)
	}
	return out
}
