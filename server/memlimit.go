package server

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// DefaultMemoryFraction is the share of the machine's memory a node's
// loads may use when --memory-limit is not given.
const DefaultMemoryFraction = 0.8

// memoryLimit resolves Config.MemoryLimit: 0 becomes DefaultMemoryFraction
// of the memory available to the process, -1 (or an unknown machine size)
// no limit.
func (c *Config) memoryLimit() int64 {
	switch {
	case c.MemoryLimit > 0:
		return c.MemoryLimit
	case c.MemoryLimit < 0:
		return 0
	}
	total := availableMemory()
	return int64(float64(total) * DefaultMemoryFraction)
}

// availableMemory is the smaller of the machine's memory (/proc/meminfo)
// and the process's cgroup v2 limit; 0 when neither is known.
func availableMemory() int64 {
	total := memTotal()
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && v > 0 && (total == 0 || v < total) {
			total = v
		}
	}
	return total
}

func memTotal() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}
