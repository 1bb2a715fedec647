package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/raftvec/raftvec/dataset"
	"github.com/raftvec/raftvec/index"
)

// benchIndexOpts are the flags of `raftvec bench index`.
type benchIndexOpts struct {
	base, query, gt string // fvecs/ivecs files
	dataset         string // mnist | synthetic
	n, dim          int
	clusters        int
	queries         int
	seed            uint64
	index           string
	metric          string
	m, efc          int
	ef              []int
	nlist           int
	nprobe          []int
	k               int
	threads         int
	writeDir        string
}

func newBenchIndexCmd() *cobra.Command {
	o := &benchIndexOpts{}
	cmd := &cobra.Command{
		Use:   "index",
		Short: "Offline index benchmark (no server): build HNSW/IVF_FLAT/FLAT over a data set, print recall, QPS and latency per ef/nprobe",
		Long: `Builds an index in process over a data set and searches it one query at a
time on one goroutine (as hnswlib's and ann-benchmarks' single-thread runs),
printing recall@k against exact ground truth, QPS and p50/p99 latency for
each ef (HNSW) or nprobe (IVF_FLAT).

The data set is either files (--base and --query .fvecs, optional --gt
.ivecs; ground truth is computed when --gt is not given) or built in:
--dataset mnist (60,000 × 784 training images as base, the 10,000 test
images as queries, from the GoMNIST module in the Go module cache) or
--dataset synthetic (--n × --dim seeded clustered Gaussian vectors and
--queries more from the same distribution). --write-dir saves a built-in
data set with its ground truth as .fvecs/.ivecs so that other libraries
can be run on exactly the same data.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return benchIndex(cmd.OutOrStdout(), o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.base, "base", "", "base vectors (.fvecs)")
	f.StringVar(&o.query, "query", "", "query vectors (.fvecs)")
	f.StringVar(&o.gt, "gt", "", "ground-truth neighbour IDs (.ivecs, at least --k per query); computed when empty")
	f.StringVar(&o.dataset, "dataset", "", "built-in data set instead of files: mnist or synthetic")
	f.IntVar(&o.n, "n", 100000, "synthetic: base vectors")
	f.IntVar(&o.dim, "dim", 128, "synthetic: dimension")
	f.IntVar(&o.clusters, "clusters", 100, "synthetic: Gaussian clusters")
	f.IntVar(&o.queries, "queries", 1000, "synthetic: queries")
	f.Uint64Var(&o.seed, "seed", 1, "synthetic data and index seed")
	f.StringVar(&o.index, "index", "HNSW", "index type: HNSW, IVF_FLAT or FLAT")
	f.StringVar(&o.metric, "metric", "L2", "metric type: L2, IP or COSINE")
	f.IntVar(&o.m, "M", 16, "HNSW: max links per node (2*M on layer 0)")
	f.IntVar(&o.efc, "efc", 200, "HNSW: efConstruction")
	f.IntSliceVar(&o.ef, "ef", []int{10, 20, 40, 80}, "HNSW: search list sizes to run")
	f.IntVar(&o.nlist, "nlist", 0, "IVF_FLAT: lists (0: 4*sqrt(n))")
	f.IntSliceVar(&o.nprobe, "nprobe", []int{1, 4, 16, 64}, "IVF_FLAT: lists probed per query, one run each")
	f.IntVar(&o.k, "k", 10, "neighbours per query (recall@k)")
	f.IntVar(&o.threads, "threads", 2, "threads for building the index and computing ground truth")
	f.StringVar(&o.writeDir, "write-dir", "", "with --dataset: write <name>_base.fvecs, <name>_query.fvecs and <name>_groundtruth.ivecs here")
	return cmd
}

// benchData is a loaded data set; gt has at least k IDs per query.
type benchData struct {
	name          string
	base, queries []float32
	dim, nb, nq   int
	gt            [][]int32
}

func benchIndex(w io.Writer, o *benchIndexOpts) error {
	metric, err := index.ParseMetric(o.metric)
	if err != nil {
		return err
	}
	if o.k <= 0 {
		return fmt.Errorf("--k must be positive, got %d", o.k)
	}
	if o.threads <= 0 {
		o.threads = runtime.GOMAXPROCS(0)
	}
	kind := strings.ToUpper(o.index)
	switch kind {
	case "HNSW", "IVF_FLAT", "FLAT":
	default:
		return fmt.Errorf("--index %q: want HNSW, IVF_FLAT or FLAT", o.index)
	}
	d, err := loadBenchData(w, o, metric)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "kernels: %s, GOMAXPROCS %d\n", index.KernelImpl(), runtime.GOMAXPROCS(0))
	queries := dataset.Split(d.queries, d.dim)
	switch kind {
	case "HNSW":
		return benchHNSW(w, o, d, metric, queries)
	case "IVF_FLAT":
		return benchIVF(w, o, d, metric, queries)
	}
	return benchFlat(w, o, d, metric, queries)
}

// loadBenchData reads or generates the data set and its ground truth, and
// writes it to --write-dir when asked.
func loadBenchData(w io.Writer, o *benchIndexOpts, metric index.Metric) (*benchData, error) {
	d := &benchData{}
	fromFiles := o.base != "" || o.query != "" || o.gt != ""
	if fromFiles == (o.dataset != "") {
		return nil, errors.New("give either --base and --query (and optionally --gt) or --dataset")
	}
	if fromFiles && o.writeDir != "" {
		return nil, errors.New("--write-dir needs --dataset")
	}
	var err error
	switch {
	case fromFiles:
		if o.base == "" || o.query == "" {
			return nil, errors.New("--base and --query are both needed")
		}
		var qdim int
		if d.base, d.dim, d.nb, err = dataset.ReadFvecs(o.base); err != nil {
			return nil, err
		}
		if d.queries, qdim, d.nq, err = dataset.ReadFvecs(o.query); err != nil {
			return nil, err
		}
		if d.nb == 0 || d.nq == 0 {
			return nil, fmt.Errorf("empty data set: %d base and %d query vectors", d.nb, d.nq)
		}
		if qdim != d.dim {
			return nil, fmt.Errorf("queries have dimension %d, base vectors %d", qdim, d.dim)
		}
		d.name = strings.TrimSuffix(filepath.Base(o.base), ".fvecs")
		if o.gt != "" {
			gt, gdim, gn, err := dataset.ReadIvecs(o.gt)
			if err != nil {
				return nil, err
			}
			if gn != d.nq || gdim < o.k {
				return nil, fmt.Errorf("%s: %d rows of %d neighbours; want %d rows of at least --k %d", o.gt, gn, gdim, d.nq, o.k)
			}
			d.gt = dataset.Split(gt, gdim)
		}
	case strings.EqualFold(o.dataset, "mnist"):
		d.name = "mnist-784"
		if d.base, d.queries, d.dim, err = dataset.MNIST(); err != nil {
			return nil, err
		}
		d.nb, d.nq = len(d.base)/d.dim, len(d.queries)/d.dim
	case strings.EqualFold(o.dataset, "synthetic"):
		if o.n <= 0 || o.dim <= 0 || o.queries <= 0 {
			return nil, fmt.Errorf("synthetic needs positive --n, --dim and --queries (got %d, %d, %d)", o.n, o.dim, o.queries)
		}
		d.name = fmt.Sprintf("synthetic-%d-%d-c%d-s%d", o.n, o.dim, o.clusters, o.seed)
		all := dataset.Synthetic(o.n+o.queries, o.dim, o.clusters, o.seed)
		d.dim, d.nb, d.nq = o.dim, o.n, o.queries
		d.base, d.queries = all[:o.n*o.dim:o.n*o.dim], all[o.n*o.dim:]
	default:
		return nil, fmt.Errorf("--dataset %q: want mnist or synthetic", o.dataset)
	}
	fmt.Fprintf(w, "data set: %s: %d base × %d dims, %d queries, metric %s, k %d\n", d.name, d.nb, d.dim, d.nq, metric, o.k)
	if d.gt == nil {
		gtK := o.k
		if o.writeDir != "" {
			gtK = max(o.k, 100) // the usual depth of published ground truth
		}
		gtK = min(gtK, d.nb)
		if gtK < o.k {
			return nil, fmt.Errorf("--k %d is larger than the base (%d vectors)", o.k, d.nb)
		}
		var done atomic.Int64
		start := time.Now()
		stop := progress(func() string {
			return fmt.Sprintf("ground truth: %d/%d queries, %.0fs", done.Load(), d.nq, time.Since(start).Seconds())
		})
		d.gt = dataset.GroundTruthProgress(d.base, d.queries, d.dim, gtK, metric, o.threads, &done)
		stop()
		fmt.Fprintf(w, "ground truth: exact top-%d, %d threads: %.1fs\n", gtK, o.threads, time.Since(start).Seconds())
	}
	if o.writeDir != "" {
		if err := os.MkdirAll(o.writeDir, 0o755); err != nil {
			return nil, err
		}
		prefix := filepath.Join(o.writeDir, d.name)
		gtDim := len(d.gt[0])
		gt, err := dataset.Flatten(d.gt, gtDim)
		if err != nil {
			return nil, err
		}
		for _, e := range []error{
			dataset.WriteFvecs(prefix+"_base.fvecs", d.base, d.dim),
			dataset.WriteFvecs(prefix+"_query.fvecs", d.queries, d.dim),
			dataset.WriteIvecs(prefix+"_groundtruth.ivecs", gt, gtDim),
		} {
			if e != nil {
				return nil, e
			}
		}
		fmt.Fprintf(w, "wrote %s_{base,query}.fvecs and %s_groundtruth.ivecs (top-%d)\n", prefix, prefix, gtDim)
	}
	return d, nil
}

// heapInUse returns the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// printMemory prints the estimated and the measured (heap growth over the
// build) bytes per vector.
func printMemory(w io.Writer, n int, vecBytes, extraBytes float64, extraWhat string, before uint64) {
	after := heapInUse()
	measured := (float64(after) - float64(before)) / float64(n)
	fmt.Fprintf(w, "memory/vector: %.0f B estimated (vectors %.0f + %s %.0f), %.0f B measured (heap growth during build)\n",
		vecBytes+extraBytes, vecBytes, extraWhat, extraBytes, measured)
}

func benchHNSW(w io.Writer, o *benchIndexOpts, d *benchData, metric index.Metric, queries [][]float32) error {
	h, err := index.NewHNSW(d.dim, metric, index.HNSWConfig{M: o.m, EfConstruction: o.efc, Seed: o.seed})
	if err != nil {
		return err
	}
	before := heapInUse()
	// One parallel Build, as hnswlib's benchmark adds all points in one
	// parallel loop (building in slices would add a barrier per slice and
	// growth slack to the measured memory). Build holds the index's write
	// lock throughout, so progress can only show the elapsed time.
	start := time.Now()
	stop := progress(func() string {
		return fmt.Sprintf("build: %d vectors, %.0fs elapsed", d.nb, time.Since(start).Seconds())
	})
	err = h.Build(nil, d.base, o.threads)
	stop()
	if err != nil {
		return err
	}
	build := time.Since(start)
	fmt.Fprintf(w, "index: HNSW M=%d efConstruction=%d, %d build threads: build %.1fs (%.0f vectors/s)\n",
		o.m, o.efc, o.threads, build.Seconds(), float64(d.nb)/build.Seconds())
	// Links: layer 0 holds a count and 2M int32 slots per node; a node has
	// 1/(M-1) upper layers on average (levels drawn with mL = 1/ln M), each
	// a count and M slots, behind a 24-byte slice header; plus a level byte.
	m := float64(o.m)
	links := 4*(1+2*m) + 24 + 4*(1+m)/(m-1) + 1
	printMemory(w, d.nb, float64(4*d.dim), links, "links", before)
	p := index.SearchParams{Metric: metric, TopK: o.k}
	return benchSearchRuns(w, o, d, queries, "ef", o.ef, func(q [][]float32, ef int) ([][]index.Hit, error) {
		return h.SearchEf(q, p, ef)
	})
}

func benchIVF(w io.Writer, o *benchIndexOpts, d *benchData, metric index.Metric, queries [][]float32) error {
	nlist := o.nlist
	if nlist <= 0 {
		nlist = min(max(int(4*math.Sqrt(float64(d.nb))), 1), 65536)
	}
	x, err := index.NewIVFFlat(d.dim, metric, index.IVFConfig{Nlist: nlist, Seed: o.seed})
	if err != nil {
		return err
	}
	before := heapInUse()
	start := time.Now()
	stop := progress(func() string { return fmt.Sprintf("build: train + add, %.0fs", time.Since(start).Seconds()) })
	err = x.Train(d.base)
	var train time.Duration
	if err == nil {
		train = time.Since(start)
		err = x.Add(nil, d.base)
	}
	stop()
	if err != nil {
		return err
	}
	build := time.Since(start)
	fmt.Fprintf(w, "index: IVF_FLAT nlist=%d (GOMAXPROCS threads): build %.1fs (train %.1fs, add %.1fs)\n",
		x.Nlist(), build.Seconds(), train.Seconds(), (build - train).Seconds())
	// Lists: an int64 ID per vector plus the centroids shared by all.
	printMemory(w, d.nb, float64(4*d.dim), 8+float64(x.Nlist()*d.dim*4)/float64(d.nb), "ids+centroids", before)
	p := index.SearchParams{Metric: metric, TopK: o.k}
	return benchSearchRuns(w, o, d, queries, "nprobe", o.nprobe, func(q [][]float32, nprobe int) ([][]index.Hit, error) {
		return x.SearchNprobe(q, p, nprobe)
	})
}

func benchFlat(w io.Writer, o *benchIndexOpts, d *benchData, metric index.Metric, queries [][]float32) error {
	f := index.NewFlat(d.dim, metric)
	before := heapInUse()
	start := time.Now()
	if err := f.Add(nil, d.base); err != nil {
		return err
	}
	fmt.Fprintf(w, "index: FLAT: build %.1fs\n", time.Since(start).Seconds())
	var norms float64
	if metric == index.MetricCosine {
		norms = 4
	}
	printMemory(w, d.nb, float64(4*d.dim), norms, "norms", before)
	p := index.SearchParams{Metric: metric, TopK: o.k}
	return benchSearchRuns(w, o, d, queries, "flat", []int{0}, func(q [][]float32, _ int) ([][]index.Hit, error) {
		return f.Search(q, p)
	})
}

// benchSearchRuns runs every query once per parameter value, one query per
// call on this goroutine, and prints recall, QPS and latency percentiles.
// A short untimed warm-up precedes the first run.
func benchSearchRuns(w io.Writer, o *benchIndexOpts, d *benchData, queries [][]float32, name string, values []int,
	search func(q [][]float32, v int) ([][]index.Hit, error)) error {
	if len(values) == 0 {
		return fmt.Errorf("no --%s values given", name)
	}
	for _, v := range values {
		if v <= 0 && name != "flat" {
			return fmt.Errorf("--%s %d: must be positive", name, v)
		}
	}
	for i := range min(len(queries), 200) {
		if _, err := search(queries[i:i+1], values[0]); err != nil {
			return err
		}
	}
	results := make([][]index.Hit, len(queries))
	lat := make([]time.Duration, len(queries))
	for _, v := range values {
		start := time.Now()
		for i := range queries {
			t := time.Now()
			res, err := search(queries[i:i+1], v)
			lat[i] = time.Since(t)
			if err != nil {
				return err
			}
			results[i] = res[0]
		}
		el := time.Since(start)
		recall, err := dataset.Recall(results, d.gt, o.k)
		if err != nil {
			return err
		}
		slices.Sort(lat)
		label := fmt.Sprintf("%s=%d", name, v)
		if name == "flat" {
			label = "flat"
		}
		fmt.Fprintf(w, "%-10s recall@%d=%.4f  QPS=%.0f (single thread)  p50=%s  p99=%s\n", label, o.k, recall,
			float64(len(queries))/el.Seconds(), fmtLatency(lat[len(lat)/2]), fmtLatency(lat[min(len(lat)*99/100, len(lat)-1)]))
	}
	return nil
}

func fmtLatency(d time.Duration) string {
	return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
}
