package coordinator

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/raftvec/raftvec/raft"
	"github.com/raftvec/raftvec/rpc"
	"github.com/raftvec/raftvec/segment"
)

// ServiceName is the RPC service every node serves for the metadata group.
const ServiceName = "Meta"

// rpcTimeout bounds one forwarded metadata call.
const rpcTimeout = 10 * time.Second

// errCodes maps the sentinels a metadata call can return to wire codes, so
// a forwarded call fails with the same sentinel as a local one.
var errCodes = rpc.Codes{
	{"collection_not_found", ErrCollectionNotFound},
	{"collection_exists", ErrCollectionExists},
	{"partition_not_found", ErrPartitionNotFound},
	{"partition_exists", ErrPartitionExists},
	{"index_not_found", ErrIndexNotFound},
	{"index_exists", ErrIndexExists},
	{"alias_not_found", ErrAliasNotFound},
	{"alias_exists", ErrAliasExists},
	{"database_not_found", ErrDatabaseNotFound},
	{"database_exists", ErrDatabaseExists},
	{"database_not_empty", ErrDatabaseNotEmpty},
	{"schema", segment.ErrSchema},
	{"user_not_found", ErrUserNotFound},
	{"user_exists", ErrUserExists},
	{"role_not_found", ErrRoleNotFound},
	{"role_exists", ErrRoleExists},
	{"invalid", ErrInvalid},
	{"unknown_outcome", raft.ErrUnknownOutcome},
	{"not_leader", raft.ErrNotLeader},
	{"closed", raft.ErrClosed},
}

func encodeErr(err error) error { return errCodes.Encode(err) }

// decodeErr turns a remote error back into one wrapping its sentinel. A
// call that did not run means nothing was proposed (retry, as not-leader);
// a missing reply means the outcome is unknown.
func decodeErr(err error) error {
	if out, ok := errCodes.Decode(err); ok {
		return out
	}
	switch {
	case err == nil:
		return nil
	case rpc.NotRun(err):
		return fmt.Errorf("%w: %w", raft.ErrNotLeader, err)
	case errors.Is(err, rpc.ErrNoReply):
		return fmt.Errorf("%w: %w", raft.ErrUnknownOutcome, err)
	}
	return err
}

// Service is the "Meta" RPC service: followers forward proposals and read
// index requests to the leader through it, and new nodes join through it.
type Service struct{ c *Coordinator }

// ProposeArgs carries an encoded metadata command.
type ProposeArgs struct{ Cmd []byte }

// ProposeReply is the applied result of a forwarded proposal.
type ProposeReply struct {
	Index uint64
	ID    int64
}

// Propose applies a command on this node, which must be the leader.
func (s *Service) Propose(a ProposeArgs, r *ProposeReply) error {
	ctx, cancel := context.WithTimeout(context.Background(), rpcTimeout)
	defer cancel()
	res, idx, err := s.c.proposeLocal(ctx, a.Cmd)
	r.Index, r.ID = idx, res.ID
	return encodeErr(err)
}

// IndexReply carries a read index.
type IndexReply struct{ Index uint64 }

// ReadIndex returns a linearizable read index; this node must be the leader.
func (s *Service) ReadIndex(_ struct{}, r *IndexReply) error {
	ctx, cancel := context.WithTimeout(context.Background(), rpcTimeout)
	defer cancel()
	idx, err := s.c.node.ReadIndex(ctx)
	r.Index = idx
	return encodeErr(err)
}

// JoinArgs asks the leader to add a node to the metadata group (as a
// non-voter, promoted once caught up) and the registry.
type JoinArgs struct{ Node NodeInfo }

// JoinReply says whether the node already was a voter.
type JoinReply struct{ Voter bool }

// MemberReply identifies a node and says how far it applied the metadata
// log (for the leader's checks before adding and promoting it).
type MemberReply struct {
	ID      string
	Applied uint64
}

// Member answers for this node: its ID and metadata applied index.
func (s *Service) Member(_ struct{}, r *MemberReply) error {
	r.ID, r.Applied = s.c.node.ID(), s.c.node.AppliedIndex()
	return nil
}

// Join adds a node; this node must be the leader.
func (s *Service) Join(a JoinArgs, r *JoinReply) error {
	ctx, cancel := context.WithTimeout(context.Background(), rpcTimeout)
	defer cancel()
	voter, err := s.c.addMember(ctx, a.Node)
	r.Voter = voter
	return encodeErr(err)
}

// LeaveArgs names a node to take out of the metadata group.
type LeaveArgs struct{ ID string }

// Leave removes a node from the metadata group; this node must be the
// leader.
func (s *Service) Leave(a LeaveArgs, _ *struct{}) error {
	ctx, cancel := context.WithTimeout(context.Background(), rpcTimeout)
	defer cancel()
	return encodeErr(s.c.removeServer(ctx, a.ID))
}
