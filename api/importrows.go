package api

import (
	"fmt"

	"github.com/raftvec/raftvec/segment"
)

// ImportBatch validates rows read from a bulk-import file against the
// schema, as an insert request's rows are (numbers as json.Number, vectors
// as lists, functions computed), and returns them as one batch. The error
// of a bad row names it (0-based, in file order) and the field; a primary
// key repeated in the file is an error too. Auto-ID keys are not generated
// here: the caller refuses auto-ID collections.
func ImportBatch(s *segment.Schema, rows []map[string]any) (*segment.Batch, error) {
	vals := make([][]any, len(rows))
	pk := s.PrimaryIndex()
	seen := make(map[any]int, len(rows))
	for i, row := range rows {
		v, err := validateRow(s, row, true)
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", i, err)
		}
		if j, dup := seen[v[pk]]; dup {
			return nil, fmt.Errorf("row %d: primary key %v repeats row %d", i, v[pk], j)
		}
		seen[v[pk]] = i
		vals[i] = v
	}
	if err := runFunctions(s, vals); err != nil {
		return nil, err
	}
	return buildBatch(s, vals, nil), nil
}
