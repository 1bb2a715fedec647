package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/raftvec/raftvec/jepsen"
)

func newQuickCmd() *cobra.Command {
	var c common
	cmd := &cobra.Command{
		Use:   "quick",
		Short: "Every fault family once, then the broken server (which must FAIL)",
		Long: `Run every fault family once (--duration each, all workloads at once), then
every pinned regression scenario (a fault and seed that once exposed a bug),
then the partition fault against a server started with deliberately broken
Strong reads, which must FAIL: proof that the checkers can fail. Exits
non-zero if any run did not give its expected result.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			seed := c.seedOr(c.seed)
			type line struct {
				name, want string
				ok         bool
				took       time.Duration
			}
			var lines []line
			runs := quickRuns(&c, seed)
			for _, q := range runs {
				start := time.Now()
				ok, err := c.runOne(cmd, q.o, q.want == "FAIL")
				if err != nil {
					return err
				}
				lines = append(lines, line{q.name, q.want, ok, time.Since(start)})
			}
			bad := 0
			fmt.Println("\njepsen quick summary (seed", seed, ")")
			for _, l := range lines {
				status := "as expected"
				if !l.ok {
					status, bad = "UNEXPECTED", bad+1
				}
				fmt.Printf("  %-32s want %s: %s (%s)\n", l.name, l.want, status, l.took.Round(time.Second))
			}
			if bad > 0 {
				return fmt.Errorf("%d runs did not give the expected result", bad)
			}
			return nil
		},
	}
	c.bind(cmd.Flags())
	return cmd
}

type quickRun struct {
	name, want string
	o          jepsen.Options
}

// quickRuns: every family (seed, seed+1, ...), the pinned scenarios with
// their own seeds, and the broken server.
func quickRuns(c *common, seed int64) []quickRun {
	var runs []quickRun
	for i, f := range jepsen.Families {
		runs = append(runs, quickRun{f, "PASS", c.options(f, seed+int64(i))})
	}
	// The query-node family, on a cluster with two query-only nodes.
	qo := c.options(jepsen.FaultQueryNode, seed+int64(len(jepsen.Families))+1)
	qo.QueryNodes = 2
	runs = append(runs, quickRun{jepsen.FaultQueryNode, "PASS", qo})
	// The set workload with a bulk-import and a TTL collection alongside,
	// under kill -9 (an import task then resumes on another node).
	dm := c.options(jepsen.FaultKill, seed+int64(len(jepsen.Families))+2)
	dm.Workloads = []string{jepsen.WorkloadSet, jepsen.WorkloadImport, jepsen.WorkloadTTL}
	runs = append(runs, quickRun{"set+import+ttl " + jepsen.FaultKill, "PASS", dm})
	for _, p := range jepsen.Pinned {
		o := c.options(p.Fault, p.Seed)
		o.Workloads = p.Workloads
		if p.Nodes > 0 {
			o.Nodes = p.Nodes
		}
		runs = append(runs, quickRun{"pinned " + p.Name, "PASS", o})
	}
	o := c.options(jepsen.FaultPartitionRandom, seed+int64(len(jepsen.Families)))
	o.UnsafeStrongReads, o.Workloads = true, []string{jepsen.WorkloadRegister}
	return append(runs, quickRun{"broken server", "FAIL", o})
}
