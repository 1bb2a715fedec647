package grpcapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"

	"github.com/milvus-io/milvus-proto/go-api/v2/commonpb"
	"github.com/milvus-io/milvus-proto/go-api/v2/milvuspb"

	"github.com/raftvec/raftvec/api"
	"github.com/raftvec/raftvec/coordinator"
	"github.com/raftvec/raftvec/proxy"
)

// Connect answers the SDKs' handshake; as in Milvus it fails when the
// database of the dbname metadata (the SDK's DBName, UseDatabase) does not
// exist (the default one always does).
func (s *Service) Connect(ctx context.Context, r *milvuspb.ConnectRequest) (*milvuspb.ConnectResponse, error) {
	if db := proxy.Database(ctx); db != coordinator.DefaultDatabase {
		if _, err := s.b.DescribeDatabase(ctx, db); err != nil {
			return &milvuspb.ConnectResponse{Status: toStatus(err)}, nil
		}
	}
	host, _ := os.Hostname()
	return &milvuspb.ConnectResponse{Status: ok(), Identifier: time.Now().UnixNano(),
		ServerInfo: &commonpb.ServerInfo{BuildTags: s.version, GoVersion: runtime.Version(),
			DeployMode: "raftvec", Reserved: map[string]string{"host": host}}}, nil
}

// GetVersion reports raftvec's version.
func (s *Service) GetVersion(ctx context.Context, r *milvuspb.GetVersionRequest) (*milvuspb.GetVersionResponse, error) {
	return &milvuspb.GetVersionResponse{Status: ok(), Version: s.version}, nil
}

// CheckHealth reports whether the node can serve requests.
func (s *Service) CheckHealth(ctx context.Context, r *milvuspb.CheckHealthRequest) (*milvuspb.CheckHealthResponse, error) {
	err := s.api.Starting()
	if err == nil {
		err = s.b.Ready(ctx)
	}
	if err != nil {
		return &milvuspb.CheckHealthResponse{Status: ok(), IsHealthy: false, Reasons: []string{err.Error()}}, nil
	}
	return &milvuspb.CheckHealthResponse{Status: ok(), IsHealthy: true}, nil
}

// CreateCollection creates a collection from a serialized schema.
func (s *Service) CreateCollection(ctx context.Context, r *milvuspb.CreateCollectionRequest) (*commonpb.Status, error) {
	req, err := createRequest(r.GetCollectionName(), r.GetSchema(), r.GetShardsNum(), r.GetConsistencyLevel())
	if err != nil {
		return toStatus(err), nil
	}
	if n := r.GetNumPartitions(); n > 0 {
		req.Params["partitionsNum"] = json.Number(strconv.FormatInt(n, 10))
	}
	req.Properties = pairs(r.GetProperties())
	return toStatus(s.api.CreateCollection(ctx, req)), nil
}

// DropCollection drops a collection and its data.
func (s *Service) DropCollection(ctx context.Context, r *milvuspb.DropCollectionRequest) (*commonpb.Status, error) {
	return s.do(func() error { return s.b.DropCollection(ctx, r.GetCollectionName()) }), nil
}

// HasCollection reports whether a collection (or alias) exists.
func (s *Service) HasCollection(ctx context.Context, r *milvuspb.HasCollectionRequest) (*milvuspb.BoolResponse, error) {
	_, err := s.b.DescribeCollection(ctx, r.GetCollectionName())
	if errors.Is(err, coordinator.ErrCollectionNotFound) {
		return &milvuspb.BoolResponse{Status: ok(), Value: false}, nil
	}
	return &milvuspb.BoolResponse{Status: toStatus(err), Value: err == nil}, nil
}

// DescribeCollection describes a collection, resolving aliases.
func (s *Service) DescribeCollection(ctx context.Context, r *milvuspb.DescribeCollectionRequest) (*milvuspb.DescribeCollectionResponse, error) {
	col, err := s.collection(ctx, r.GetCollectionName())
	if err != nil {
		return &milvuspb.DescribeCollectionResponse{Status: toStatus(err)}, nil
	}
	aliases, err := s.b.ListAliases(ctx, col.Name)
	if err != nil {
		return &milvuspb.DescribeCollectionResponse{Status: toStatus(err)}, nil
	}
	out := &milvuspb.DescribeCollectionResponse{Status: ok(), Schema: protoSchema(&col.Schema),
		CollectionID: col.ID, CollectionName: col.Name, ShardsNum: int32(col.ShardsNum), Aliases: aliases,
		ConsistencyLevel: protoLevel(col.Consistency), DbName: col.Database(), NumPartitions: int64(len(col.Partitions))}
	for i := 0; i < col.ShardsNum; i++ {
		ch := col.Name + "_shard_" + strconv.Itoa(i)
		out.VirtualChannelNames, out.PhysicalChannelNames = append(out.VirtualChannelNames, ch), append(out.PhysicalChannelNames, ch)
	}
	for k, v := range col.Properties {
		out.Properties = append(out.Properties, &commonpb.KeyValuePair{Key: k, Value: v})
	}
	return out, nil
}

// ShowCollections lists the collections.
func (s *Service) ShowCollections(ctx context.Context, r *milvuspb.ShowCollectionsRequest) (*milvuspb.ShowCollectionsResponse, error) {
	names, err := s.b.ListCollections(ctx)
	if err != nil {
		return &milvuspb.ShowCollectionsResponse{Status: toStatus(err)}, nil
	}
	return &milvuspb.ShowCollectionsResponse{Status: ok(), CollectionNames: names}, nil
}

// RenameCollection renames a collection.
func (s *Service) RenameCollection(ctx context.Context, r *milvuspb.RenameCollectionRequest) (*commonpb.Status, error) {
	return s.do(func() error {
		if err := api.CheckName("collection", r.GetNewName()); err != nil {
			return err
		}
		return s.b.RenameCollection(ctx, r.GetOldName(), r.GetNewDBName(), r.GetNewName())
	}), nil
}

// LoadCollection loads a collection (replica_number query replicas per
// shard when given).
func (s *Service) LoadCollection(ctx context.Context, r *milvuspb.LoadCollectionRequest) (*commonpb.Status, error) {
	return s.do(func() error {
		n := int(r.GetReplicaNumber())
		if n < 0 || n > 16 {
			return fmt.Errorf("%w: replica_number must be between 1 and 16 (0: one)", api.ErrInvalid)
		}
		return s.b.SetLoaded(ctx, r.GetCollectionName(), true, n)
	}), nil
}

// ReleaseCollection releases a collection: reads answer code 101 until
// the next load.
func (s *Service) ReleaseCollection(ctx context.Context, r *milvuspb.ReleaseCollectionRequest) (*commonpb.Status, error) {
	return s.do(func() error { return s.b.SetLoaded(ctx, r.GetCollectionName(), false, 0) }), nil
}

// GetLoadState reports whether a collection is loaded.
func (s *Service) GetLoadState(ctx context.Context, r *milvuspb.GetLoadStateRequest) (*milvuspb.GetLoadStateResponse, error) {
	p, err := s.loadProgress(ctx, r.GetCollectionName())
	if err != nil {
		return &milvuspb.GetLoadStateResponse{Status: toStatus(err)}, nil
	}
	state := commonpb.LoadState_LoadStateLoaded
	switch {
	case p < 0:
		state = commonpb.LoadState_LoadStateNotLoad
	case p < 100:
		state = commonpb.LoadState_LoadStateLoading
	}
	return &milvuspb.GetLoadStateResponse{Status: ok(), State: state}, nil
}

// GetLoadingProgress reports how far a load has come, in percent.
func (s *Service) GetLoadingProgress(ctx context.Context, r *milvuspb.GetLoadingProgressRequest) (*milvuspb.GetLoadingProgressResponse, error) {
	p, err := s.loadProgress(ctx, r.GetCollectionName())
	if err != nil {
		return &milvuspb.GetLoadingProgressResponse{Status: toStatus(err)}, nil
	}
	p = max(p, 0)
	return &milvuspb.GetLoadingProgressResponse{Status: ok(), Progress: int64(p), RefreshProgress: int64(p)}, nil
}

// loadProgress is -1 for a collection that is not loaded.
func (s *Service) loadProgress(ctx context.Context, name string) (int, error) {
	col, err := s.collection(ctx, name)
	if err != nil {
		return 0, err
	}
	if !col.Loaded {
		return -1, nil
	}
	return s.b.LoadProgress(ctx, col.Name)
}

// GetCollectionStatistics reports the live row count.
func (s *Service) GetCollectionStatistics(ctx context.Context, r *milvuspb.GetCollectionStatisticsRequest) (*milvuspb.GetCollectionStatisticsResponse, error) {
	n, err := s.rowCount(ctx, r.GetCollectionName(), "")
	if err != nil {
		return &milvuspb.GetCollectionStatisticsResponse{Status: toStatus(err)}, nil
	}
	return &milvuspb.GetCollectionStatisticsResponse{Status: ok(), Stats: rowCountStats(n)}, nil
}

func (s *Service) rowCount(ctx context.Context, coll, part string) (int64, error) {
	return s.b.RowCount(ctx, coll, part)
}

func rowCountStats(n int64) []*commonpb.KeyValuePair {
	return []*commonpb.KeyValuePair{{Key: "row_count", Value: strconv.FormatInt(n, 10)}}
}

// Flush seals and flushes every growing segment of the collections and
// waits, so GetFlushState answers flushed at once.
func (s *Service) Flush(ctx context.Context, r *milvuspb.FlushRequest) (*milvuspb.FlushResponse, error) {
	out := &milvuspb.FlushResponse{Status: ok(), DbName: proxy.Database(ctx)}
	for _, name := range r.GetCollectionNames() {
		if err := s.b.Flush(ctx, name); err != nil {
			return &milvuspb.FlushResponse{Status: toStatus(err)}, nil
		}
	}
	return out, nil
}

// GetFlushState answers flushed: Flush returns only once it is.
func (s *Service) GetFlushState(ctx context.Context, r *milvuspb.GetFlushStateRequest) (*milvuspb.GetFlushStateResponse, error) {
	return &milvuspb.GetFlushStateResponse{Status: ok(), Flushed: true}, nil
}

// ManualCompaction starts a compaction of the collection's segments.
func (s *Service) ManualCompaction(ctx context.Context, r *milvuspb.ManualCompactionRequest) (*milvuspb.ManualCompactionResponse, error) {
	name := r.GetCollectionName()
	if name == "" && r.GetCollectionID() != 0 {
		return &milvuspb.ManualCompactionResponse{Status: toStatus(fmt.Errorf(
			"%w: compaction by collectionID is not supported: give collection_name", api.ErrInvalid))}, nil
	}
	id, err := s.b.Compact(ctx, name)
	if err != nil {
		return &milvuspb.ManualCompactionResponse{Status: toStatus(err)}, nil
	}
	return &milvuspb.ManualCompactionResponse{Status: ok(), CompactionID: id, CompactionPlanCount: 1}, nil
}

// GetCompactionState reports a compaction job.
func (s *Service) GetCompactionState(ctx context.Context, r *milvuspb.GetCompactionStateRequest) (*milvuspb.GetCompactionStateResponse, error) {
	state, executing, completed, err := s.b.CompactionState(ctx, r.GetCompactionID())
	if err != nil {
		return &milvuspb.GetCompactionStateResponse{Status: toStatus(err)}, nil
	}
	out := &milvuspb.GetCompactionStateResponse{Status: ok(), ExecutingPlanNo: int64(executing),
		CompletedPlanNo: int64(completed), State: commonpb.CompactionState_Executing}
	if state == "Completed" {
		out.State = commonpb.CompactionState_Completed
	}
	return out, nil
}

// do runs a metadata call and returns its status.
func (s *Service) do(fn func() error) *commonpb.Status { return toStatus(fn()) }
