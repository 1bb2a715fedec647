package expr

import (
	"math"
	"strconv"
	"strings"
)

// Op is a unary or binary operator.
type Op uint8

// Operators.
const (
	OpOr Op = iota + 1
	OpAnd
	OpNot
	OpNeg
	OpEq
	OpNe
	OpLt
	OpLe
	OpGt
	OpGe
	OpAdd
	OpSub
	OpMul
	OpDiv
	OpMod
	OpPow
)

var opNames = [...]string{OpOr: "or", OpAnd: "and", OpNot: "not", OpNeg: "-",
	OpEq: "==", OpNe: "!=", OpLt: "<", OpLe: "<=", OpGt: ">", OpGe: ">=",
	OpAdd: "+", OpSub: "-", OpMul: "*", OpDiv: "/", OpMod: "%", OpPow: "**"}

// String returns the canonical spelling of the operator.
func (o Op) String() string {
	if int(o) < len(opNames) && opNames[o] != "" {
		return opNames[o]
	}
	return "Op(" + strconv.Itoa(int(o)) + ")"
}

// Binding strength, loosest first; String() parenthesizes by these.
const (
	precOr = iota + 1
	precAnd
	precNot
	precCmp
	precAdd
	precMul
	precUnary
	precPow
	precExists
	precAtom
)

// Node is an expression AST node. String() re-prints it canonically: keywords
// lower case, minimal parentheses, strings double-quoted, numbers in decimal.
type Node interface {
	// Pos is the byte offset where the node starts in the source.
	Pos() int
	String() string
	write(b *strings.Builder)
	prec() int
}

type (
	// Ident is a bare name: a schema field or a dynamic-field key.
	Ident struct {
		P    int
		Name string
	}
	// IntLit is an integer literal (already negated by a leading minus).
	IntLit struct {
		P int
		V int64
	}
	// FloatLit is a floating-point literal.
	FloatLit struct {
		P int
		V float64
	}
	// StringLit is a string literal, unescaped.
	StringLit struct {
		P int
		V string
	}
	// BoolLit is true or false.
	BoolLit struct {
		P int
		V bool
	}
	// ListLit is [e1, e2, ...].
	ListLit struct {
		P     int
		Elems []Node
	}
	// Placeholder is {name}, filled from Compile's params.
	Placeholder struct {
		P    int
		Name string
	}
	// Index is X[Key]: a JSON path step or an array element.
	Index struct {
		X      Node
		Key    Node
		LBrack int
	}
	// Call is a function call; Name is lower case.
	Call struct {
		P    int
		Name string
		Args []Node
	}
	// Unary is "not X" or "-X".
	Unary struct {
		P  int
		Op Op
		X  Node
	}
	// Binary is "L op R" for logical, comparison and arithmetic operators.
	Binary struct {
		Op    Op
		OpPos int
		L, R  Node
	}
	// Range is the chained comparison "Lo LoOp X HiOp Hi", both operators
	// pointing the same way (< and <=, or > and >=).
	Range struct {
		Lo               Node
		LoOp             Op
		X                Node
		HiOp             Op
		Hi               Node
		LoOpPos, HiOpPos int
	}
	// In is "X in List" or "X not in List".
	In struct {
		X     Node
		Not   bool
		List  Node
		OpPos int
	}
	// Like is "X like Pattern" or "X not like Pattern".
	Like struct {
		X       Node
		Not     bool
		Pattern Node
		OpPos   int
	}
	// IsNull is "X is null" or "X is not null".
	IsNull struct {
		X     Node
		Not   bool
		OpPos int
	}
	// Exists is "exists X".
	Exists struct {
		P int
		X Node
	}
)

func (n *Ident) Pos() int       { return n.P }
func (n *IntLit) Pos() int      { return n.P }
func (n *FloatLit) Pos() int    { return n.P }
func (n *StringLit) Pos() int   { return n.P }
func (n *BoolLit) Pos() int     { return n.P }
func (n *ListLit) Pos() int     { return n.P }
func (n *Placeholder) Pos() int { return n.P }
func (n *Index) Pos() int       { return n.X.Pos() }
func (n *Call) Pos() int        { return n.P }
func (n *Unary) Pos() int       { return n.P }
func (n *Binary) Pos() int      { return n.L.Pos() }
func (n *Range) Pos() int       { return n.Lo.Pos() }
func (n *In) Pos() int          { return n.X.Pos() }
func (n *Like) Pos() int        { return n.X.Pos() }
func (n *IsNull) Pos() int      { return n.X.Pos() }
func (n *Exists) Pos() int      { return n.P }

func (n *Ident) prec() int       { return precAtom }
func (n *StringLit) prec() int   { return precAtom }
func (n *BoolLit) prec() int     { return precAtom }
func (n *ListLit) prec() int     { return precAtom }
func (n *Placeholder) prec() int { return precAtom }
func (n *Index) prec() int       { return precAtom }
func (n *Call) prec() int        { return precAtom }
func (n *Range) prec() int       { return precCmp }
func (n *In) prec() int          { return precCmp }
func (n *Like) prec() int        { return precCmp }
func (n *IsNull) prec() int      { return precCmp }
func (n *Exists) prec() int      { return precExists }

func (n *IntLit) prec() int {
	if n.V < 0 {
		return precUnary
	}
	return precAtom
}

func (n *FloatLit) prec() int {
	if math.Signbit(n.V) {
		return precUnary
	}
	return precAtom
}

func (n *Unary) prec() int {
	if n.Op == OpNot {
		return precNot
	}
	return precUnary
}

func (n *Binary) prec() int { return opPrec(n.Op) }

func opPrec(op Op) int {
	switch op {
	case OpOr:
		return precOr
	case OpAnd:
		return precAnd
	case OpAdd, OpSub:
		return precAdd
	case OpMul, OpDiv, OpMod:
		return precMul
	case OpPow:
		return precPow
	}
	return precCmp
}
