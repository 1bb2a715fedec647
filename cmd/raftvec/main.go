// Command raftvec is the raftvec server, CLI and benchmark tool.
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "raftvec:", err)
		os.Exit(1)
	}
}
