package dataset

import "math/rand/v2"

// SyntheticSpread is the per-coordinate standard deviation of points
// around their cluster centre; centres have standard deviation 1 per
// coordinate, so clusters are well separated but not trivially so.
const SyntheticSpread = 0.5

// Synthetic returns n seeded vectors of dimension dim drawn from a mixture
// of `clusters` isotropic Gaussians (clusters <= 0 means one): centres are
// N(0, 1) per coordinate, each point picks a centre uniformly and adds
// N(0, SyntheticSpread²) noise. The result depends only on the arguments;
// the first m rows of Synthetic(n, ...) equal Synthetic(m, ...) for m <= n,
// so queries from the same distribution can be taken as extra rows.
func Synthetic(n, dim, clusters int, seed uint64) []float32 {
	if n <= 0 || dim <= 0 {
		return nil
	}
	clusters = max(clusters, 1)
	cr := rand.New(rand.NewPCG(seed, 0x5eedc1a55e5))
	centres := make([]float32, clusters*dim)
	for i := range centres {
		centres[i] = float32(cr.NormFloat64())
	}
	pr := rand.New(rand.NewPCG(seed, 0x90175))
	out := make([]float32, n*dim)
	for i := range n {
		c := centres[pr.IntN(clusters)*dim:][:dim]
		row := out[i*dim : (i+1)*dim]
		for j := range row {
			row[j] = c[j] + float32(pr.NormFloat64()*SyntheticSpread)
		}
	}
	return out
}
