package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/raftvec/raftvec/jepsen"
)

// common are the flags shared by run and quick.
type common struct {
	bin, minio, dir string
	nodes           int
	queryNodes      int
	seed            int64
	duration        time.Duration
	workloads       []string
	clients         int
	keep            bool
}

func (c *common) bind(fs *pflag.FlagSet) {
	fs.StringVar(&c.bin, "bin", "bin/raftvec", "the raftvec binary to test")
	fs.StringVar(&c.minio, "minio", ".cache/bin/minio", "the MinIO server binary (scripts/minio.sh install)")
	fs.StringVar(&c.dir, "dir", "jepsen-results", "directory for runs (one sub-directory per run)")
	fs.IntVar(&c.nodes, "nodes", 3, "raftvec nodes (every role)")
	fs.IntVar(&c.queryNodes, "query-nodes", 0, "query-only nodes besides --nodes (--roles query; the query-node fault needs some)")
	fs.Int64Var(&c.seed, "seed", 0, "seed of the fault schedule and workloads (0: from the clock; printed)")
	fs.DurationVar(&c.duration, "duration", 60*time.Second, "workload time per run (faults stop 10 s before the end)")
	fs.StringSliceVar(&c.workloads, "workloads", nil, "workloads, run together on disjoint keys (default: every workload)")
	fs.IntVar(&c.clients, "clients", 3, "clients per workload")
	fs.BoolVar(&c.keep, "keep", false, "keep data dirs of passing runs (failing runs always keep them)")
}

func (c *common) options(fault string, seed int64) jepsen.Options {
	bin, _ := filepath.Abs(c.bin)
	minio, _ := filepath.Abs(c.minio)
	name := fmt.Sprintf("%s-%s-%d", time.Now().Format("20060102-150405"), fault, seed)
	return jepsen.Options{Bin: bin, MinIOBin: minio, Dir: filepath.Join(c.dir, name), Nodes: c.nodes, QueryNodes: c.queryNodes, Fault: fault,
		Seed: seed, Duration: c.duration, Workloads: c.workloads, Clients: c.clients, Progress: os.Stdout}
}

func (c *common) seedOr(s int64) int64 {
	if s != 0 {
		return s
	}
	return time.Now().UnixNano() % 1_000_000_007
}

// runOne runs once and reports whether the result is what was expected.
func (c *common) runOne(cmd *cobra.Command, o jepsen.Options, expectFail bool) (bool, error) {
	rep, err := jepsen.Run(cmd.Context(), o)
	if err != nil {
		return false, fmt.Errorf("run %s (seed %d, kept in %s): %w", o.Fault, o.Seed, o.Dir, err)
	}
	valid := rep.Valid()
	if valid && !c.keep {
		c.clean(o.Dir)
	}
	if !valid {
		fmt.Printf("run kept in %s; replay: %s\n", o.Dir, c.replay(o))
	}
	return valid != expectFail, nil
}

// clean removes a passing run's data dirs, keeping its history and report.
func (c *common) clean(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.IsDir() {
			_ = os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

func (c *common) replay(o jepsen.Options) string {
	s := fmt.Sprintf("raftvec-jepsen run --fault %s --seed %d --nodes %d --query-nodes %d --duration %s --clients %d",
		o.Fault, o.Seed, o.Nodes, o.QueryNodes, o.Duration, o.Clients)
	if len(o.Workloads) > 0 {
		s += " --workloads " + strings.Join(o.Workloads, ",")
	}
	if o.UnsafeStrongReads {
		s += " --unsafe-strong-reads"
	}
	return s
}

func newRunCmd() *cobra.Command {
	var c common
	var fault string
	var repeat int
	var unsafe, expectFail bool
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run one fault family (or mixed) for --duration, --repeat times",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !jepsen.ValidFault(fault) {
				return fmt.Errorf("unknown --fault %q: want one of %s, mixed or none", fault, strings.Join(jepsen.Families, ", "))
			}
			bad := 0
			for i := 0; i < repeat; i++ {
				o := c.options(fault, c.seedOr(c.seed)+int64(i))
				o.UnsafeStrongReads = unsafe
				ok, err := c.runOne(cmd, o, expectFail)
				if err != nil {
					return err
				}
				if !ok {
					bad++
				}
			}
			if bad > 0 {
				return fmt.Errorf("%d of %d runs did not give the expected result", bad, repeat)
			}
			return nil
		},
	}
	c.bind(cmd.Flags())
	cmd.Flags().StringVar(&fault, "fault", "mixed", "fault family: "+strings.Join(jepsen.Families, ", ")+", mixed or none")
	cmd.Flags().IntVar(&repeat, "repeat", 1, "runs (seeds seed, seed+1, ...)")
	cmd.Flags().BoolVar(&unsafe, "unsafe-strong-reads", false, "test a deliberately broken server (Strong reads without read index)")
	cmd.Flags().BoolVar(&expectFail, "expect-fail", false, "succeed only if every run FAILs (to prove the checkers can fail)")
	return cmd
}
