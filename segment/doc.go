// Package segment owns the columnar data model of raftvec: schemas and field
// types, columns and batches of rows, growing segments with their
// primary-key index and deletion flags, and their binary encoding.
//
// Invariants:
//   - A Batch has one Column per schema field, in schema order, all of equal
//     length.
//   - Values crossing the package boundary are canonical: nil (null), bool,
//     int64 (every integer type), float64 (Float rounded to float32), string,
//     []float32 (FloatVector, and Float16/BFloat16Vector rows decoded from
//     their 16 bits), SparseVector (sparse vectors: strictly increasing
//     indices, finite values), []byte (BinaryVector: Dim/8 bytes); JSON
//     and Array columns store canonical JSON text and decode to JSON values
//     with integral numbers as int64.
//   - SparseFloatVector and BinaryVector columns are always resident, like
//     scalar ones; half-precision columns are loaded and evicted like
//     FloatVector ones (onto the heap: only float32 chunks are mapped).
//   - A segment whose rows are final (not Growing) may cache values derived
//     from them (Derived: a sparse field's inverted index, a scalar index);
//     they never depend on deletion flags and go with the segment.
//   - Encoding is deterministic: the same segment state encodes to the same
//     bytes.
//   - A sealed segment whose rows are all in object storage may hold its
//     vector columns or not (lazy.go): they are a cache of its chunk
//     objects. Scalar columns are always in memory (the log's deletes
//     filter on them); readers call Load before touching a vector column,
//     and nothing about a segment's encoding depends on what is loaded.
//   - A vector column may hold its rows as runs instead of one array
//     (parts.go): a growing segment adopts each inserted batch's vector
//     array (AppendBatch), so applying an insert copies no vector. Rows
//     already in a column never change and appends never move them, so a
//     Slice taken under a read lock stays valid after it is released.
//   - A loaded vector column may be mapped from its chunk files
//     (mapped.go): read-only (writing to it panics), valid while the column
//     is reachable; callers copy rows they keep past their read.
//
// segment must not talk to the network or import raft.
package segment
