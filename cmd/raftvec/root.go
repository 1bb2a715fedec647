package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "raftvec",
		Short: "raftvec: a Milvus-compatible vector database where every shard is a Raft group",
		Long: `raftvec is a vector database that speaks the Milvus RESTful v2 API.
Every write goes through a Raft log (hashicorp/raft) before it is acknowledged.

Settings come from flags, then RAFTVEC_* environment variables (the flag name
upper-cased with dashes as underscores, e.g. RAFTVEC_HTTP_ADDR), then a YAML
file given with --config, then defaults.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version,
	}
	root.AddCommand(newStandaloneCmd(), newServeCmd(), newBenchCmd(), newBackupCmd())
	return root
}

// applyEnv sets every flag not given on the command line from its RAFTVEC_*
// environment variable, and returns the flags that were given so they can
// be re-applied over a config file.
func applyEnv(fs *pflag.FlagSet) (map[string]string, error) {
	given := map[string]string{}
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed {
			given[f.Name] = f.Value.String()
			return
		}
		env := "RAFTVEC_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(env); ok && err == nil {
			if serr := f.Value.Set(v); serr != nil {
				err = fmt.Errorf("%s=%q (--%s): %w", env, v, f.Name, serr)
			}
			given[f.Name] = f.Value.String()
		}
	})
	return given, err
}

// reapply sets flags again after a config file overwrote their fields.
func reapply(fs *pflag.FlagSet, given map[string]string) error {
	for name, v := range given {
		if err := fs.Set(name, v); err != nil {
			return fmt.Errorf("--%s: %w", name, err)
		}
	}
	return nil
}
