package expr

import "math"

// valueSet is a set of constant values for in / contains_any, keyed so that
// numbers match numerically (3 matches 3.0).
type valueSet struct {
	ints   map[int64]struct{}
	floats map[float64]struct{}
	strs   map[string]struct{}
	bools  [2]bool
	others []val // lists and objects, compared structurally
	kinds  uint8 // bit set of kindBit of the members
}

// kindBit groups kinds that can compare equal: numbers, strings, booleans,
// lists and objects.
func kindBit(k kind) uint8 {
	switch k {
	case kInt, kFloat:
		return 1
	case kStr:
		return 2
	case kBool:
		return 4
	case kList, kObj:
		return 8
	}
	return 0
}

// comparable reports whether v can be decided against the set: false when
// the set is non-empty but holds no member of v's kind (a runtime type
// mismatch, which is unknown rather than "not in").
func (s *valueSet) comparable(v val) bool {
	return s.kinds == 0 || s.kinds&kindBit(v.k) != 0
}

func newValueSet(vs []val) *valueSet {
	s := &valueSet{ints: map[int64]struct{}{}, floats: map[float64]struct{}{}, strs: map[string]struct{}{}}
	for _, v := range vs {
		s.add(v)
	}
	return s
}

// intOf reports whether f is integral and within int64.
func intOf(f float64) (int64, bool) {
	if f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 {
		return 0, false
	}
	return int64(f), true
}

func (s *valueSet) add(v val) {
	s.kinds |= kindBit(v.k)
	switch v.k {
	case kInt:
		s.ints[v.i] = struct{}{}
	case kFloat:
		if i, ok := intOf(v.f); ok {
			s.ints[i] = struct{}{}
		} else if !math.IsNaN(v.f) {
			s.floats[v.f] = struct{}{}
		}
	case kStr:
		s.strs[v.s] = struct{}{}
	case kBool:
		s.bools[b2i(v.b)] = true
	case kList, kObj:
		s.others = append(s.others, v)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (s *valueSet) has(v val) bool {
	var ok bool
	switch v.k {
	case kInt:
		_, ok = s.ints[v.i]
	case kFloat:
		if i, isInt := intOf(v.f); isInt {
			_, ok = s.ints[i]
		} else {
			_, ok = s.floats[v.f]
		}
	case kStr:
		_, ok = s.strs[v.s]
	case kBool:
		ok = s.bools[b2i(v.b)]
	case kList, kObj:
		for _, o := range s.others {
			if jsonEqual(o.x, v.x) {
				return true
			}
		}
	}
	return ok
}
