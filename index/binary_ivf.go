package index

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"sync/atomic"
	"unsafe"
)

const (
	// binaryIVFIters is the number of k-majority iterations of a build.
	binaryIVFIters = 10
	// binaryIVFMaxNlist bounds nlist as for IVFFlat.
	binaryIVFMaxNlist = ivfMaxNlist
)

// BinaryIVF is an inverted-file index over binary vectors (Milvus
// BIN_IVF_FLAT): the rows are clustered with k-majority (k-means under
// Hamming distance whose centroid bits are the majority bits of their
// members) into nlist lists of row numbers, and a search scores exactly
// the rows of the nprobe lists whose centroids are nearest to the query in
// Hamming distance, with the index metric (HAMMING or JACCARD).
//
// The index keeps the centroids and the row numbers of each list, not the
// vectors: it reads them from the BinaryRows it was built over (typically a
// sealed segment's column), which must stay unchanged while the index is
// used. It is immutable once built and safe for concurrent searches.
type BinaryIVF struct {
	rows      BinaryRows
	n         int
	nb        int // bytes per vector
	metric    Metric
	centroids []byte   // nlist*nb
	starts    []int    // list c holds ids[starts[c]:starts[c+1]]; nlist+1 entries
	ids       []uint32 // row numbers, ascending within each list
}

// BuildBinaryIVF clusters the rows (each dimBits/8 bytes; dimBits a
// positive multiple of 8) into min(nlist, rows.Len()) lists for metric m
// (MetricHamming or MetricJaccard; the clustering is by Hamming distance
// for both). Training runs a fixed 10 k-majority iterations (fewer once
// no assignment changes) over a seeded sample of at most 256·nlist rows,
// with k-means++ seeding; a cluster left empty is re-seeded with the
// sample row farthest from its centroid. Every row is then assigned to
// its nearest centroid (ties to the lower list). The result depends only
// on the rows, the parameters and seed. nlist must be in [1, 65536]. An
// index over no rows has no lists and finds nothing.
func BuildBinaryIVF(rows BinaryRows, dimBits, nlist int, m Metric, seed uint64) (*BinaryIVF, error) {
	if rows == nil {
		return nil, invalidf("binary ivf index needs rows")
	}
	if m != MetricHamming && m != MetricJaccard {
		return nil, invalidf("binary ivf index metric type %v (want HAMMING or JACCARD)", m)
	}
	if err := checkDimBits(dimBits); err != nil {
		return nil, err
	}
	if nlist <= 0 || nlist > binaryIVFMaxNlist {
		return nil, invalidf("binary ivf nlist must be in [1, %d], got %d", binaryIVFMaxNlist, nlist)
	}
	n, nb := rows.Len(), dimBits/8
	if uint64(n) > math.MaxUint32 {
		return nil, invalidf("binary ivf index over %d rows (at most 2^32-1)", n)
	}
	for i := range n {
		if l := len(rows.Row(i)); l != nb {
			return nil, invalidf("binary row %d has %d bytes, want %d (dimension %d bits)", i, l, nb, dimBits)
		}
	}
	k := min(nlist, n)
	x := &BinaryIVF{rows: rows, n: n, nb: nb, metric: m, starts: make([]int, k+1)}
	if k == 0 {
		return x, nil
	}
	r := rand.New(rand.NewPCG(seed, 0xb1f5eed))
	sample := binarySample(r, rows, n, k*ivfSamplePerList, nb)
	x.centroids = kMajority(r, sample, nb, k, binaryIVFIters)

	// Assign every row, then lay the lists out with a counting sort (row
	// numbers stay ascending within a list).
	assign := make([]int32, n)
	ivfParallel(n, n*k*(nb/8+1), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			c, _ := nearestBinary(x.centroids, rows.Row(i), nb)
			assign[i] = int32(c)
		}
	})
	for _, c := range assign {
		x.starts[c+1]++
	}
	for c := range k {
		x.starts[c+1] += x.starts[c]
	}
	next := append([]int(nil), x.starts[:k]...)
	x.ids = make([]uint32, n)
	for i, c := range assign {
		x.ids[next[c]] = uint32(i)
		next[c]++
	}
	return x, nil
}

// binarySample copies up to limit rows chosen uniformly without
// replacement (all rows, in order, when there are fewer) into one array.
func binarySample(r *rand.Rand, rows BinaryRows, n, limit, nb int) []byte {
	if n <= limit {
		out := make([]byte, 0, n*nb)
		for i := range n {
			out = append(out, rows.Row(i)...)
		}
		return out
	}
	// Partial Fisher-Yates with the permutation kept sparsely, as
	// IVFFlat's training sample.
	moved := make(map[int]int, limit)
	at := func(i int) int {
		if v, ok := moved[i]; ok {
			return v
		}
		return i
	}
	out := make([]byte, 0, limit*nb)
	for i := range limit {
		j := i + r.IntN(n-i)
		row := at(j)
		moved[j] = at(i)
		out = append(out, rows.Row(row)...)
	}
	return out
}

// nearestBinary returns the centroid nearest to v in Hamming distance (ties
// to the lowest index) and that distance.
func nearestBinary(centroids, v []byte, nb int) (int, int) {
	best, bestD := 0, math.MaxInt
	for c := 0; c*nb < len(centroids); c++ {
		if d := hamming(v, centroids[c*nb:(c+1)*nb]); d < bestD {
			best, bestD = c, d
		}
	}
	return best, bestD
}

// kMajority clusters the rows of sample (at least k of them, nb bytes
// each) into k centroids: k-means++ seeding (or k random distinct rows
// beyond ivfPlusPlusBudget), then up to iters rounds of Hamming assignment
// and majority update. A bit whose members are split evenly keeps its
// value; an empty cluster is re-seeded with the sample row farthest from
// its centroid.
func kMajority(r *rand.Rand, sample []byte, nb, k, iters int) []byte {
	n := len(sample) / nb
	row := func(i int) []byte { return sample[i*nb : (i+1)*nb : (i+1)*nb] }
	centroids := make([]byte, k*nb)
	if k*n <= ivfPlusPlusBudget {
		binaryPlusPlus(r, sample, nb, k, centroids)
	} else {
		for c, i := range r.Perm(n)[:k] {
			copy(centroids[c*nb:(c+1)*nb], row(i))
		}
	}
	dimBits := nb * 8
	assign := make([]int32, n)
	dist := make([]int, n)
	counts := make([]int32, k*dimBits) // ones per centroid bit
	members := make([]int32, k)
	for it := 0; it <= iters; it++ {
		var changed atomic.Bool
		changed.Store(it == 0)
		ivfParallel(n, n*k*(nb/8+1), func(lo, hi int) {
			local := false
			for i := lo; i < hi; i++ {
				c, d := nearestBinary(centroids, row(i), nb)
				if int32(c) != assign[i] {
					local = true
				}
				assign[i], dist[i] = int32(c), d
			}
			if local {
				changed.Store(true)
			}
		})
		if it == iters || !changed.Load() {
			break // the last pass only refreshes the assignment
		}
		clear(counts)
		clear(members)
		for _, c := range assign {
			members[c]++
		}
		// Count set bits per (centroid, bit); workers own byte columns, so
		// they never write the same counter.
		ivfParallel(nb, n*dimBits, func(lo, hi int) {
			for i := range n {
				base := int(assign[i]) * dimBits
				for j, v := range row(i)[lo:hi] {
					at := base + (lo+j)*8
					for ; v != 0; v &= v - 1 {
						counts[at+bits.TrailingZeros8(v)]++
					}
				}
			}
		})
		for c := range k {
			m := members[c]
			if m == 0 {
				continue
			}
			cen := centroids[c*nb : (c+1)*nb]
			for j := range cen {
				b := cen[j]
				for t := range 8 {
					switch ones := 2 * counts[c*dimBits+j*8+t]; {
					case ones > m:
						b |= 1 << t
					case ones < m:
						b &^= 1 << t
					}
				}
				cen[j] = b
			}
		}
		for c := range k {
			if members[c] > 0 {
				continue
			}
			// Re-seed with the worst-served row; zero its distance so the
			// next empty cluster takes a different one.
			far := 0
			for i := range n {
				if dist[i] > dist[far] {
					far = i
				}
			}
			copy(centroids[c*nb:(c+1)*nb], row(far))
			dist[far] = 0
		}
	}
	return centroids
}

// binaryPlusPlus seeds k centroids: the first uniformly, each next one with
// probability proportional to its squared Hamming distance to the nearest
// chosen centroid, falling back to a uniform pick when every row coincides
// with a chosen centroid.
func binaryPlusPlus(r *rand.Rand, sample []byte, nb, k int, centroids []byte) {
	n := len(sample) / nb
	row := func(i int) []byte { return sample[i*nb : (i+1)*nb : (i+1)*nb] }
	minD := make([]int, n)
	for i := range minD {
		minD[i] = math.MaxInt
	}
	pick := r.IntN(n)
	for c := range k {
		cen := centroids[c*nb : (c+1)*nb : (c+1)*nb]
		copy(cen, row(pick))
		if c == k-1 {
			break
		}
		ivfParallel(n, n*(nb/8+1), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				minD[i] = min(minD[i], hamming(row(i), cen))
			}
		})
		var total float64
		for _, d := range minD {
			total += float64(d) * float64(d)
		}
		if total == 0 {
			pick = r.IntN(n)
			continue
		}
		target := r.Float64() * total
		pick = n - 1
		for i, d := range minD {
			target -= float64(d) * float64(d)
			if target < 0 {
				pick = i
				break
			}
		}
	}
}

// Len returns the number of indexed rows.
func (x *BinaryIVF) Len() int { return x.n }

// Dim returns the vector dimension in bits.
func (x *BinaryIVF) Dim() int { return x.nb * 8 }

// Metric returns the metric the index was built for.
func (x *BinaryIVF) Metric() Metric { return x.metric }

// Nlist returns the number of lists, min(nlist, Len()) of the build.
func (x *BinaryIVF) Nlist() int { return len(x.starts) - 1 }

// Bytes returns the approximate memory the index holds: centroids and
// lists. It excludes the rows, which belong to the caller.
func (x *BinaryIVF) Bytes() int64 {
	return int64(unsafe.Sizeof(*x)) +
		int64(cap(x.centroids)) +
		int64(unsafe.Sizeof(int(0)))*int64(cap(x.starts)) +
		4*int64(cap(x.ids))
}

// Search answers each query from the min(nprobe, Nlist()) lists whose
// centroids are nearest to it in Hamming distance (ties to the lower
// list), scoring their rows exactly with the index metric: with nprobe >=
// Nlist() the results are those of SearchBinaryFlat over the same rows.
// p.Metric may be left zero to use the index's metric; any other mismatch
// is ErrInvalid, as are nprobe <= 0 and queries that are not Dim()/8
// bytes. Filter, range and grouping parameters apply as for
// SearchBinaryFlat, but only to rows in the probed lists; Check is called
// before each query (rows = 0) and before each list probed, with its size.
func (x *BinaryIVF) Search(queries [][]byte, p SearchParams, nprobe int) ([][]Hit, error) {
	if p.Metric == MetricInvalid {
		p.Metric = x.metric
	}
	if p.Metric != x.metric {
		return nil, invalidf("metric type %v does not match the index metric %v", p.Metric, x.metric)
	}
	if nprobe <= 0 {
		return nil, invalidf("nprobe must be positive, got %d", nprobe)
	}
	s, err := newBinarySearch(x.Dim(), queries, p)
	if err != nil {
		return nil, err
	}
	nlist := x.Nlist()
	nprobe = min(nprobe, nlist)
	work := nlist
	if nlist > 0 {
		work += x.n / nlist * nprobe
	}
	return s.run(queries, work, func(w *binaryScratch, q []byte) []Hit {
		s.begin(w, x.n)
		if nprobe == 0 {
			return s.result(w)
		}
		// Pick the nprobe nearest centroids (ties by list number).
		w.probe.reset(nprobe)
		for c := range nlist {
			sc := float32(hamming(q, x.centroids[c*x.nb:(c+1)*x.nb]))
			if !w.probe.full() || sc <= w.probe.threshold() {
				w.probe.push(entry{sc, int64(c)})
			}
		}
		for _, e := range w.probe.h {
			lo, hi := x.starts[e.id], x.starts[e.id+1]
			if s.stop.poll(hi - lo) {
				return nil // discarded: the search fails
			}
			for _, id := range x.ids[lo:hi] {
				if !s.visit(w, q, x.rows, int(id)) {
					return nil
				}
			}
		}
		return s.result(w)
	})
}
