package text

import "slices"

const (
	fnvOffset32 = 2166136261
	fnvPrime32  = 16777619
)

// TermID maps a token to its sparse-vector index: the 32-bit FNV-1a hash of
// its UTF-8 bytes. Distinct tokens may collide; callers treat a collision
// as one term.
func TermID(token string) uint32 {
	h := uint32(fnvOffset32)
	for i := 0; i < len(token); i++ {
		h ^= uint32(token[i])
		h *= fnvPrime32
	}
	return h
}

// Frequencies returns the term IDs of s's tokens in increasing order, each
// once, with how many tokens have that ID as a float32 (a BM25 document or
// query vector), and the number of tokens. Tokens whose IDs collide are
// counted as one term. Counts are exact below 2^24 per term. Text without
// tokens gives nil, nil, 0.
func (a *Analyzer) Frequencies(s string) (ids []uint32, counts []float32, tokens int) {
	raw := make([]uint32, 0, len(s)/8+1) // about one token per 6-8 bytes of prose
	a.each(s, func(tok string) { raw = append(raw, TermID(tok)) })
	if len(raw) == 0 {
		return nil, nil, 0
	}
	slices.Sort(raw)
	counts = make([]float32, 0, len(raw))
	w := 0 // raw[:w] holds the distinct IDs so far; w never passes the read index.
	for _, id := range raw {
		if w > 0 && raw[w-1] == id {
			counts[w-1]++
			continue
		}
		raw[w] = id
		counts = append(counts, 1)
		w++
	}
	return slices.Clip(raw[:w]), slices.Clip(counts), len(raw)
}
