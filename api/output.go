package api

import (
	"strconv"

	"github.com/raftvec/raftvec/proxy"
	"github.com/raftvec/raftvec/segment"
)

// outputPlan says which fields a read asks the shards for and how the rows
// are rendered.
type outputPlan struct {
	fields   []int    // schema positions requested from the shards
	metaAll  bool     // expand every $meta key into the row
	metaKeys []string // expand these $meta keys only
}

// planOutput resolves outputFields. "*" is every field with $meta keys
// expanded; a name that is not a schema field is a $meta key when the
// dynamic field is on. The primary key is always returned (as Entity.PK).
func planOutput(s *segment.Schema, names []string, defaultAll bool) (outputPlan, error) {
	var p outputPlan
	if len(names) == 0 && defaultAll {
		names = []string{"*"}
	}
	seen := map[int]bool{}
	add := func(i int) {
		if !seen[i] && !s.Fields[i].PrimaryKey {
			seen[i] = true
			p.fields = append(p.fields, i)
		}
	}
	dyn := s.DynamicIndex()
	for _, n := range names {
		i := s.FieldIndex(n)
		switch {
		case n == "*":
			for j := range s.Fields {
				if !generated(s, j) {
					add(j)
				}
			}
			p.metaAll = dyn >= 0
		case i >= 0 && generated(s, i):
			return p, invalidf("output field %q is the output of a function and cannot be returned", n)
		case i >= 0:
			add(i)
			p.metaAll = p.metaAll || s.Fields[i].IsDynamic
		case dyn >= 0 && n != "":
			add(dyn)
			p.metaKeys = append(p.metaKeys, n)
		default:
			return p, invalidf("output field %q does not exist in the collection", n)
		}
	}
	return p, nil
}

// row renders one entity as a JSON object; extra is added first (e.g.
// distance) so that fields take precedence.
func (p *outputPlan) row(s *segment.Schema, e *proxy.Entity, allowInt64 bool) map[string]any {
	m := make(map[string]any, len(p.fields)+2)
	for k, i := range p.fields {
		if k >= len(e.Values) {
			break
		}
		f := &s.Fields[i]
		if f.IsDynamic {
			p.expandMeta(s, m, e.Values[k])
			continue
		}
		m[f.Name] = formatValue(f, e.Values[k], allowInt64)
	}
	if pk := s.Primary(); pk != nil {
		m[pk.Name] = formatPK(e.PK, allowInt64)
	}
	return m
}

// expandMeta copies $meta keys into the row; schema fields win on clashes.
func (p *outputPlan) expandMeta(s *segment.Schema, m map[string]any, v any) {
	meta, _ := v.(map[string]any)
	if p.metaAll {
		for k, x := range meta {
			if s.FieldIndex(k) < 0 {
				m[k] = x
			}
		}
		return
	}
	for _, k := range p.metaKeys {
		if x, ok := meta[k]; ok {
			m[k] = x
		}
	}
}

// formatValue renders a canonical value: Int64 as a string unless the
// client allows int64 numbers, Float as float32 (so 0.1 prints as 0.1).
func formatValue(f *segment.Field, v any, allowInt64 bool) any {
	switch x := v.(type) {
	case int64:
		if f.Type == segment.TypeInt64 && !allowInt64 {
			return strconv.FormatInt(x, 10)
		}
	case float64:
		if f.Type == segment.TypeFloat {
			return float32(x)
		}
	case []byte:
		if f.Type == segment.TypeBinaryVector {
			return binaryBytes(x)
		}
	case segment.SparseVector:
		m := make(map[string]float32, len(x.Indices))
		for i, ix := range x.Indices {
			m[strconv.FormatUint(uint64(ix), 10)] = x.Values[i]
		}
		return m
	}
	return v
}

// formatPK renders a primary key.
func formatPK(v any, allowInt64 bool) any {
	if x, ok := v.(int64); ok && !allowInt64 {
		return strconv.FormatInt(x, 10)
	}
	return v
}
