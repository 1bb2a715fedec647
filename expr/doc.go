// Package expr owns raftvec's filter-expression language: the Milvus boolean
// expression syntax used by query, search, delete and get filters. It lexes
// and parses a filter into an AST (Parse), substitutes {placeholder}
// templates, type-checks the AST against a segment.Schema and compiles it
// into a tree of closures over pre-resolved field positions (Compile), and
// evaluates the result per row through segment.RowReader (Filter.Match).
//
// Language, loosest binding first:
//
//	a or b, a || b                 logical or
//	a and b, a && b                logical and
//	not a, !a                      negation (binds looser than comparisons,
//	                               so "not a > 1" is "not (a > 1)")
//	a == b, !=, <, <=, >, >=       comparison (non-associative), plus the
//	                               range form "lit < x <= lit" / "lit > x >= lit"
//	x [not] in [l, ...]            list membership
//	x [not] like "pat"             % any run, _ one character, \% \_ literal
//	x is [not] null
//	a + b, a - b                   arithmetic; int op int stays int (/ truncates,
//	a * b, a / b, a % b            + - * wrap), otherwise float; ** is float;
//	-a                             division or modulo by zero is null
//	a ** b                         right-associative, binds tighter than unary -
//	exists path                    a JSON path (or dynamic key) is present
//	x[0], meta["k"]["j"]           array element / JSON path
//	json_contains(p, v), json_contains_all(p, [..]), json_contains_any(p, [..]),
//	array_contains(f, v), array_contains_all(f, [..]), array_contains_any(f, [..]),
//	array_length(f)
//	text_match(f, 'words')         a VarChar field with enable_match whose
//	                               analyzed text has any of the words' tokens
//
// Keywords and function names are case-insensitive. Literals: decimal, hex
// (0x), octal (0o and leading 0) and binary (0b) integers; floats (1.5, 1e3,
// .5); true/false; single- or double-quoted strings with backslash escapes;
// list literals; {name} placeholders. A bare name that is not a schema field
// is the dynamic-field key $meta["name"] when the dynamic field is enabled.
//
// Arithmetic errors: division or modulo by a literal (or placeholder) 0,
// and + - * of two integer literals whose result leaves the Int64 range,
// are compile errors. At run time, where operands are row values, division
// or modulo by zero gives null, so the comparison around it is unknown and
// the row does not match (neither "x / 0 == 1" nor its negation matches);
// integer + - * of row values wraps around (two's complement, like Go and
// Milvus's C++ engine); float arithmetic follows IEEE 754.
//
// Invariants:
//   - Pure: no I/O, no global mutable state; a compiled *Filter is immutable
//     and safe for concurrent use.
//   - Never panics, whatever the filter text, params or row values.
//   - Every parse, substitution or type error is an *Error carrying the
//     0-based byte offset of the problem, and wraps ErrInvalid.
//   - Node.String() is canonical: parsing it again yields a node with the
//     same String().
//   - Statically typed operands (schema fields, literals) are type-checked at
//     compile time; JSON paths and dynamic keys are checked at run time.
//   - Evaluation uses three-valued logic: a comparison involving null, a
//     missing JSON key or mismatched runtime types is "unknown"; not/and/or
//     follow SQL rules and Match reports true only for a definite true.
//   - Evaluation allocates nothing per row (JSON decoding is the RowReader's
//     job; text_match analyzes each row's text); field names are resolved
//     once at compile time.
//   - Plans read the compiled tree without changing it: IndexTerms (the
//     conjuncts a scalar index answers, each satisfied by every matching
//     row, so an index only narrows) and FieldValues (the values a filter
//     fixes a field to, for partition-key pruning) never claim less than
//     the filter matches.
//
// expr imports only segment (for the schema and value model) and text
// (the analyzers of text_match).
package expr
