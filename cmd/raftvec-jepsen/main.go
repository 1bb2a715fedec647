// Command raftvec-jepsen runs raftvec's Jepsen-style consistency tests:
// real raftvec processes and MinIO on loopback, faults from a seeded
// schedule, workloads recorded as histories and checked (see
// ../../jepsen/doc.go and JEPSEN.md).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := &cobra.Command{
		Use:   "raftvec-jepsen",
		Short: "Jepsen-style consistency tests of raftvec",
		Long: `Run raftvec's consistency tests: a cluster of real raftvec processes and a
MinIO process on loopback, clients running the register, insert-set, delete,
session and churn (collections created and dropped while rows are inserted
into others) workloads on disjoint keys, and a nemesis injecting one fault
family (or a mix) from a seeded schedule. Every op is recorded in
history.jsonl; the checkers (porcupine linearizability for the register) write
report.txt ending in RESULT: PASS or RESULT: FAIL. A failing run keeps its
data dirs, node logs and an HTML timeline, and prints the command that
replays its seed.`,
		SilenceUsage: true,
	}
	root.AddCommand(newRunCmd(), newQuickCmd())
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "raftvec-jepsen:", err)
		os.Exit(1)
	}
}
