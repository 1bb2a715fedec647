package segment

// Ref locates a row: a segment ID and the row within it.
type Ref struct {
	Segment int64
	Row     int32
}

// PKIndex maps the primary key of every live row to its location. Keys are
// int64 or string, per the schema's primary key type.
type PKIndex struct {
	ints map[int64]Ref
	strs map[string]Ref
}

// NewPKIndex returns an empty index.
func NewPKIndex() *PKIndex {
	return &PKIndex{ints: map[int64]Ref{}, strs: map[string]Ref{}}
}

// Get returns the location of a live key.
func (x *PKIndex) Get(pk any) (Ref, bool) {
	switch k := pk.(type) {
	case int64:
		r, ok := x.ints[k]
		return r, ok
	case string:
		r, ok := x.strs[k]
		return r, ok
	}
	return Ref{}, false
}

// Put records the location of a key.
func (x *PKIndex) Put(pk any, r Ref) {
	switch k := pk.(type) {
	case int64:
		x.ints[k] = r
	case string:
		x.strs[k] = r
	default:
		panic("segment: primary key must be int64 or string")
	}
}

// Delete forgets a key.
func (x *PKIndex) Delete(pk any) {
	switch k := pk.(type) {
	case int64:
		delete(x.ints, k)
	case string:
		delete(x.strs, k)
	}
}

// Len returns the number of keys.
func (x *PKIndex) Len() int { return len(x.ints) + len(x.strs) }
