package main

import (
	"fmt"
	"io"
	"math"
	"time"

	"github.com/spf13/cobra"
)

// filterOpts configures `bench filter`. --collection, --rows and --dim are
// its own flags, shadowing bench's persistent ones (as fulltextOpts does
// with --queries), so that their defaults differ without changing those of
// the other bench commands.
type filterOpts struct {
	*benchOpts // addr, addrs, clients, seed
	collection string
	rows, dim  int
	distinct   int
	batch      int
	queries    int
	level      string
	skipInsert bool
}

const (
	// filterTopK is the limit of the filtered searches.
	filterTopK = 10
	// filterWarm is the number of untimed requests of each kind before
	// each phase (after the index creation, the first search and the
	// first lookup are timed: the index build on first use).
	filterWarm = 10
)

func newBenchFilterCmd(o *benchOpts) *cobra.Command {
	fo := &filterOpts{benchOpts: o}
	cmd := &cobra.Command{
		Use:   "filter",
		Short: "What a scalar index (STL_SORT, INVERTED) buys: filtered searches and equality lookups with and without one; QPS, p50/p99, speedup, answers compared",
		Long: `Measures what the scalar indexes of sealed segments (Milvus STL_SORT and
INVERTED) buy on a large collection, through the REST API of a running
server.

Unless --skip-insert, the collection is dropped and created with id Int64
(primary key), attr Int64 (= id mod --distinct, so attr == x selects one row
in --distinct), tag VarChar max_length 32 ("tag-%08d" of the id: unique) and
v FloatVector (--dim; row i's floats are uniform in [0, 1) from a PCG seeded
with --seed and i), with a FLAT index (L2) on v, so that the difference
measured comes from the filter and not from an ANN index. --rows rows (ids
0..rows-1) are inserted in --batch row requests on --clients clients
(progress and rows/s printed), then the collection is flushed and the
command waits until every segment is Flushed. With --skip-insert the
collection must hold exactly those rows (same --rows, --distinct, --seed).

The command then waits until a count(*) at --consistency on every node sees
--rows rows, and drops indexes on attr and tag left by an earlier run
(indexes/list, indexes/drop). Queries (deterministic for --seed; --queries
100 runs the first 100 of --queries 200): a filtered search
(entities/search, data [[random vector]], limit 10, filter attr == x with x
uniform in [0, --distinct)) and a lookup (entities/query, filter
tag == "tag-%08d" of a uniform id in [0, --rows), outputFields ["attr"]).

  scan   10 untimed requests of each kind, then the --queries searches and
         the --queries lookups, each kind timed on its own on --clients
         clients: QPS, p50 and p99; no scalar index, every row of every
         segment is evaluated.
  create indexes/create attr_idx (STL_SORT on attr) and tag_idx (INVERTED
         on tag); once every node lists them, one filtered search and then
         one lookup are timed alone: a sealed segment builds its index from
         the column on first use ("index build on first use"; on a cluster
         that is the replica which answered; the growth of
         raftvec_derived_index_bytes is printed), then the other 9 warm-up
         requests of each kind, untimed. A server keeps a segment's built
         index as long as the segment, even after indexes/drop: run again
         on the same segments (--skip-insert) without a restart, nothing
         is built, and the command says so.
  index  the same requests as in scan (same filters and vectors), timed the
         same way; then the speedup of each kind: scan p50 / index p50 and
         index QPS / scan QPS.

Correctness (want 0 everywhere): the answers of each search and lookup must
be identical in both phases (same ids in the same order, equal distances;
same rows); every search hit must satisfy its filter and a search must
return min(10, rows matching) hits, the ids of the exact filtered top-10
computed here from the seeded vectors (skipped when that means generating
more than 10 million vectors); a lookup must return exactly its row, with
attr == id mod --distinct. raftvec_scalar_index_segment_reads_total
(summed over the nodes' /metrics) is read around each timed pass: it must
not grow in the scan phase and must grow in the index phase, proving that
the index was used. Mismatches are printed, not fatal.

--dataset, --metric and --clusters do not apply.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return benchFilter(cmd.OutOrStdout(), fo) },
	}
	f := cmd.Flags()
	f.StringVar(&fo.collection, "collection", "bench_filter", "collection name")
	f.IntVar(&fo.rows, "rows", 1000000, "rows inserted (ids 0..rows-1)")
	f.IntVar(&fo.dim, "dim", 16, "dimension of the vector field v")
	f.IntVar(&fo.distinct, "distinct", 1000, "distinct values of attr (attr = id mod distinct)")
	f.IntVar(&fo.batch, "batch", 5000, "rows per insert request")
	f.IntVar(&fo.queries, "queries", 200, "filtered searches and lookups per phase (each)")
	f.StringVar(&fo.level, "consistency", "Eventually", "consistency level of the reads and of the count(*) check before them (Strong, Bounded, Session, Eventually)")
	f.BoolVar(&fo.skipInsert, "skip-insert", false, "use an existing collection (it must hold exactly the --rows rows of the same --distinct and --seed)")
	return cmd
}

func (o *filterOpts) check() error {
	if o.rows <= 0 || o.dim <= 0 || o.queries <= 0 || o.clients <= 0 || o.batch <= 0 {
		return fmt.Errorf("--rows, --dim, --queries, --clients and --batch must be positive (got %d, %d, %d, %d, %d)",
			o.rows, o.dim, o.queries, o.clients, o.batch)
	}
	if o.distinct <= 0 || o.distinct > o.rows {
		return fmt.Errorf("--distinct must be in [1, --rows %d], got %d", o.rows, o.distinct)
	}
	return nil
}

func benchFilter(w io.Writer, o *filterOpts) error {
	if err := o.check(); err != nil {
		return err
	}
	all := filterQueries(o.queries+filterWarm, o.rows, o.distinct, o.dim, o.seed)
	queries := all[:o.queries]
	req, err := o.bodies(queries)
	if err != nil {
		return err
	}
	warm, err := o.bodies(all[o.queries:])
	if err != nil {
		return err
	}
	if !o.skipInsert {
		if err := o.insertRows(w); err != nil {
			return err
		}
	}
	if err := waitCount(o.nodes(), o.collection, o.level, int64(o.rows)); err != nil {
		return err
	}
	if err := o.dropScalarIndexes(w); err != nil {
		return err
	}
	scan, err := o.phase(req, warm)
	if err != nil {
		return err
	}
	if err := o.createScalarIndexes(); err != nil {
		return err
	}
	first, err := o.firstUse(warm)
	if err != nil {
		return err
	}
	idx, err := o.phase(req, warm.from(1))
	if err != nil {
		return err
	}
	o.report(w, queries, scan, idx, first)
	return nil
}

// firstUseTimes are the latencies of the first requests after the index
// creation, the segment reads through an index they made and the growth of
// the memory of indexes built from sealed segments (0 when the segments
// kept the indexes built in an earlier run; servers without
// raftvec_derived_index_bytes: NaN).
type firstUseTimes struct {
	search, lookup time.Duration
	reads, bytes   float64
}

// firstUse times one filtered search and then one lookup, alone.
func (o *filterOpts) firstUse(warm filterBodies) (firstUseTimes, error) {
	var f firstUseTimes
	before, err := scrapeAll(o.nodes())
	if err != nil {
		return f, err
	}
	node := o.nodes()[0]
	t := time.Now()
	if _, err := post(node, "entities/search", warm.search[0]); err != nil {
		return f, err
	}
	f.search = time.Since(t)
	t = time.Now()
	if _, err := post(node, "entities/query", warm.lookup[0]); err != nil {
		return f, err
	}
	f.lookup = time.Since(t)
	after, err := scrapeAll(o.nodes())
	f.reads = metricSum(after, scalarReadsMetric) - metricSum(before, scalarReadsMetric)
	f.bytes = metricSum(after, derivedBytesMetric) - metricSum(before, derivedBytesMetric)
	if err == nil && len(after) > 0 {
		if _, ok := after[0][derivedBytesMetric]; !ok {
			f.bytes = math.NaN()
		}
	}
	return f, err
}
