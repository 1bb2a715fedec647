package coordinator

import "errors"

// Sentinel errors of metadata operations. The API maps them to Milvus codes
// in one place (api/errors.go).
var (
	ErrCollectionNotFound = errors.New("collection not found")
	ErrCollectionExists   = errors.New("collection already exists")
	ErrPartitionNotFound  = errors.New("partition not found")
	ErrPartitionExists    = errors.New("partition already exists")
	ErrIndexNotFound      = errors.New("index not found")
	ErrIndexExists        = errors.New("index already exists")
	ErrAliasNotFound      = errors.New("alias not found")
	ErrAliasExists        = errors.New("alias already exists")
	ErrDatabaseNotFound   = errors.New("database not found")
	ErrDatabaseExists     = errors.New("database already exists")
	// ErrDatabaseNotEmpty: dropping a database that still has collections.
	ErrDatabaseNotEmpty = errors.New("database not empty")
	ErrUserNotFound     = errors.New("user not found")
	ErrUserExists       = errors.New("user already exists")
	ErrRoleNotFound     = errors.New("role not found")
	ErrRoleExists       = errors.New("role already exists")
	// ErrNotLoaded: a search or query on a collection that was released
	// (and not loaded again).
	ErrNotLoaded = errors.New("collection not loaded")
	// ErrInvalid is a request that is well-formed JSON but not acceptable
	// (e.g. dropping the _default partition).
	ErrInvalid = errors.New("invalid parameter")
)
