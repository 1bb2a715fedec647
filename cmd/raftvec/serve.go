package main

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/raftvec/raftvec/server"
)

func newServeCmd() *cobra.Command {
	cfg := server.Default()
	var configFile string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run a raftvec cluster node",
		Long: `Run one node of a raftvec cluster. Give every node the Raft addresses of
all initial nodes with --join and the same --bootstrap-expect: on first start
the nodes find each other and bootstrap the metadata group together; on
restart, or when a new node is added later with --join, the node joins the
existing cluster (join-then-bootstrap, as rqlite does). The same command line
works for first start, restart and scale-up.

Addresses are advertised as given: use addresses other nodes can reach, and
keep them stable across restarts.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := loadConfig(cmd.Flags(), &cfg, configFile); err != nil {
				return err
			}
			return runServer(cfg)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&configFile, "config", "", "YAML configuration file (keys as in server.Config)")
	bindServerFlags(fs, &cfg)
	bindClusterFlags(fs, &cfg)
	_ = cmd.MarkFlagRequired("node-id")
	return cmd
}

func bindClusterFlags(fs *pflag.FlagSet, cfg *server.Config) {
	c := &cfg.Cluster
	fs.StringSliceVar(&c.Join, "join", c.Join, "Raft addresses of the cluster's nodes (this node's own may be included)")
	fs.IntVar(&c.BootstrapExpect, "bootstrap-expect", c.BootstrapExpect, "number of nodes that form a new cluster together")
	fs.IntVar(&c.ReplicaNumber, "replica-number", c.ReplicaNumber, "replicas per shard of new collections (capped by live nodes)")
	fs.DurationVar(&c.NodeDownTimeout, "node-down-timeout", c.NodeDownTimeout, "how long a node may be unreachable before its replicas are re-created elsewhere")
	fs.DurationVar(&c.StalenessBound, "staleness-bound", c.StalenessBound, "maximum staleness of a Bounded read")
	fs.BoolVar(&c.AllowLocalStorage, "allow-local-storage", c.AllowLocalStorage,
		"TESTS ONLY: run a cluster node with node-local object storage (--storage local): nothing is flushed, indexed, merged or compacted")
	fs.StringSliceVar(&c.Roles, "roles", c.Roles, "roles of this node: data (voting shard replicas, writes), query (query replicas: load sealed data, serve reads), index (index builds, compactions); default all three")
}
