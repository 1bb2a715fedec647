package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/raftvec/raftvec/segment"
)

// parseRows decodes `data`: a list of row objects or a single object.
func parseRows(raw json.RawMessage) ([]map[string]any, error) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil, missingf("missing required parameter \"data\": give a list of rows")
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, errf(codeBadJSON, "body is not valid JSON: %v", err)
	}
	switch x := v.(type) {
	case map[string]any:
		return []map[string]any{x}, nil
	case []any:
		if len(x) == 0 {
			return nil, badDataf("insert data invalid: \"data\" is an empty list; give at least one row")
		}
		rows := make([]map[string]any, len(x))
		for i, r := range x {
			m, ok := r.(map[string]any)
			if !ok {
				return nil, badDataf("insert data invalid: row %d: want a JSON object, got %s", i, describe(r))
			}
			rows[i] = m
		}
		return rows, nil
	}
	return nil, badDataf("insert data invalid: \"data\" must be a list of row objects, got %s", describe(v))
}

// validateRows converts every row to one canonical value per schema field
// (pk left nil when it is auto-generated). Nothing is written before every
// row has passed.
func validateRows(s *segment.Schema, rows []map[string]any, upsert bool) ([][]any, error) {
	out := make([][]any, len(rows))
	pk := s.PrimaryIndex()
	seen := make(map[any]int, len(rows))
	for i, row := range rows {
		vals, err := validateRow(s, row, upsert)
		if err != nil {
			return nil, badDataf("insert data invalid: row %d: %v", i, err)
		}
		if key := vals[pk]; key != nil {
			if j, dup := seen[key]; dup {
				return nil, badDataf("insert data invalid: duplicate primary key %v in rows %d and %d", key, j, i)
			}
			seen[key] = i
		}
		out[i] = vals
	}
	return out, nil
}

// validateRow converts one row.
func validateRow(s *segment.Schema, row map[string]any, upsert bool) ([]any, error) {
	vals := make([]any, len(s.Fields))
	for i := range s.Fields {
		f := &s.Fields[i]
		if f.IsDynamic {
			continue
		}
		v, present := row[f.Name]
		if generated(s, i) {
			if present {
				return nil, fmt.Errorf("field %q is the output of a function: do not provide it", f.Name)
			}
			continue
		}
		if f.PrimaryKey && f.AutoID && !upsert {
			if present {
				return nil, fmt.Errorf("primary key field %q is auto-generated (autoID); do not provide it", f.Name)
			}
			continue
		}
		var err error
		if v == nil {
			vals[i], err = absentValue(f, present)
		} else {
			vals[i], err = convertValue(f, v)
		}
		if err != nil {
			return nil, err
		}
	}
	d := s.DynamicIndex()
	meta, err := dynamicValue(s, row, d >= 0)
	if err != nil {
		return nil, err
	}
	if d >= 0 {
		vals[d] = meta
	}
	return vals, nil
}

// absentValue is the value of a field the row omits or gives as null.
func absentValue(f *segment.Field, present bool) (any, error) {
	switch {
	case f.Default != nil:
		return f.Default, nil
	case f.Nullable:
		return nil, nil
	case present:
		return nil, fmt.Errorf("field %q is not nullable but got null", f.Name)
	}
	return nil, fmt.Errorf("missing required field %q (%s)", f.Name, f.Type)
}

// dynamicValue collects the keys that are not schema fields into the
// canonical JSON object stored in $meta; without a dynamic field they are
// an error.
func dynamicValue(s *segment.Schema, row map[string]any, enabled bool) ([]byte, error) {
	var keys []string
	for k := range row {
		if i := s.FieldIndex(k); i < 0 || s.Fields[i].IsDynamic {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	meta := make(map[string]any, len(keys))
	for _, k := range keys {
		if !enabled {
			return nil, fmt.Errorf("field %q is not in the schema and the dynamic field is disabled", k)
		}
		if strings.HasPrefix(k, "$") {
			return nil, fmt.Errorf("key %q is reserved (names starting with $)", k)
		}
		meta[k] = row[k]
	}
	return canonicalJSONBytes(meta)
}

// buildBatch builds the columnar batch of validated rows. vectors[f], when
// set, already holds every row's vector of field f contiguously and
// becomes that column as is.
func buildBatch(s *segment.Schema, rows [][]any, vectors [][]float32) *segment.Batch {
	b := segment.NewBatch(s)
	for i := range b.Columns {
		if i < len(vectors) && vectors[i] != nil {
			b.Columns[i].Vectors = vectors[i]
			continue
		}
		b.Columns[i].Reserve(len(rows))
		for _, vals := range rows {
			b.Columns[i].AppendValue(vals[i])
		}
	}
	return b
}
