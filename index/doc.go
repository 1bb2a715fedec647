// Package index owns vector search inside one process: the distance
// kernels (L2Squared, Dot, Norm, Distance; AVX2+FMA assembly on amd64 when
// the CPU has it, portable Go otherwise or with -tags purego), exact
// brute-force search over float32 vectors in one array or several runs of
// rows (Flat, SearchFlat with FlatView.Parts),
// the approximate indexes HNSW (M, efConstruction; search ef) and IVFFlat
// (nlist; search nprobe) with versioned, checksummed binary formats, range
// and grouping search, and Merge, the top-k reduce that combines
// per-segment and per-shard result lists for one query.
//
// Sparse float vectors (SparseVector, Milvus SparseFloatVector: strictly
// increasing term indices with a value each) are searched with MetricIP or
// MetricBM25 only, exactly (SearchSparseFlat) or through SparseIndex, the
// SPARSE_INVERTED_INDEX: per-term posting lists walked term at a time into
// a pooled per-row score array, with the same results, bit for bit, as the
// exact scan. BM25 treats row values as term frequencies and the query's
// values as the caller's idf weights (BM25.K1, B, AvgDL; DocFreq and
// TotalLength give the statistics over the live rows). drop_ratio_search
// (SparseOptions.DropRatioSearch) ignores the smallest fraction of a
// query's values by absolute value. A row whose score is exactly 0, in
// particular one sharing no term with the query, is never returned.
//
// Binary vectors (BinaryRows, Milvus BinaryVector: dim bits in dim/8
// bytes) are searched with MetricHamming (number of differing bits) or
// MetricJaccard (1 − |a∧b|/|a∨b|, 0 for two zero vectors), both smaller is
// better, exactly (SearchBinaryFlat, BIN_FLAT; Hamming and Jaccard count
// bits 64 at a time with math/bits) or through BinaryIVF (BIN_IVF_FLAT):
// rows clustered with k-majority (k-means under Hamming distance with
// majority-bit centroids) into lists of row numbers, a search scoring
// exactly the rows of the nprobe lists with the nearest centroids. The
// dense and sparse searches refuse the binary metrics, and the binary
// searches every other metric.
//
// Semantics follow Milvus:
//   - MetricL2 returns the squared Euclidean distance (smaller is better);
//     MetricIP the inner product and MetricCosine the cosine similarity in
//     [-1, 1] (larger is better); MetricBM25 the BM25 score of a sparse
//     vector (larger is better, refused by the dense indexes). Distances
//     are always raw metric values.
//   - Range search keeps range_filter <= d < radius for L2, HAMMING and
//     JACCARD and radius < d <= range_filter for IP/COSINE/BM25; either
//     bound may be absent.
//   - Grouping search (GroupSize > 0) behaves as if hits were visited
//     best-first: a hit joins its group if the group has fewer than
//     GroupSize hits, and opens a new group only while fewer than TopK
//     groups exist. Output is groups ordered by their best hit, each group's
//     hits by distance.
//   - Offset is applied only by Merge, so segment searches ask for
//     TopK = offset + limit.
//
// Invariants:
//   - Every result list is sorted best first; ties on distance are broken by
//     ascending ID, so results do not depend on segment order, scan order or
//     parallelism. NaN distances never appear in results.
//   - IDs are opaque int64 values (row positions or primary keys); Group
//     keys are opaque comparable values used only for equality.
//   - Filter and GroupKey callbacks run during the scan, possibly on several
//     goroutines at once; they must be safe for concurrent use. A multi-query
//     search uses at most GOMAXPROCS goroutines, all joined before it
//     returns; a callback panic is re-raised on the caller's goroutine.
//   - HNSW and IVFFlat apply Filter during traversal (filtered-out nodes
//     still guide an HNSW search but never enter its results); their range
//     and grouping searches over-fetch and filter the candidates, so they
//     are approximate like the index itself.
//   - SearchParams.Check (cancellation, e.g. ctx.Err) is polled before each
//     query vector, every ScanChunk rows of an exact scan, per IVF list
//     (IVFFlat and BinaryIVF),
//     per sparse posting list and every hnswCheckEvery HNSW expansions,
//     never per row; once it fails the search returns no hits and an error
//     wrapping its error.
//   - Flat grouping search buffers every candidate of a query (16 bytes per
//     row passing Filter and range) so that grouping is exact.
//   - Kernels are reached through package variables chosen at init, so an
//     assembly implementation can replace the portable Go one without
//     touching callers (see KernelImpl).
//
// Exact search also scans half-precision rows (FlatPart.Halfs, Milvus's
// Float16Vector and BFloat16Vector), decoding each row to float32 as it is
// scored, so the rows stay at half size; queries are float32. Sorted is
// the scalar index (INVERTED, STL_SORT): values with their rows, sorted,
// answering set, range and prefix lookups.
//
// The package is a leaf: it knows nothing about Raft, networking, segments
// or schemas, and imports nothing from this repository but packages half
// and internal/cpu. Replication, data
// placement and deletes are the callers' concern (deletes reach a search
// as a Filter).
package index
