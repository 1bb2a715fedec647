package mmap

import (
	"fmt"
	"os"
	"sync"
	"syscall"
)

// Map is a read-only mapping of a whole file.
type Map struct {
	mu   sync.Mutex
	data []byte
	done bool
}

// Open maps the file at path read-only.
func Open(path string) (*Map, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mmap: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("mmap: %w", err)
	}
	size := st.Size()
	if size == 0 {
		return &Map{data: []byte{}}, nil
	}
	if int64(int(size)) != size {
		return nil, fmt.Errorf("mmap: %s: %d bytes do not fit in memory", path, size)
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("mmap: %s: %w", path, err)
	}
	return &Map{data: b}, nil
}

// Bytes returns the mapped bytes (valid until Close).
func (m *Map) Bytes() []byte { return m.data }

// Len returns the mapped size.
func (m *Map) Len() int { return len(m.data) }

// Close unmaps the file. It is idempotent.
func (m *Map) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.done {
		return nil
	}
	m.done = true
	if len(m.data) == 0 {
		return nil
	}
	err := syscall.Munmap(m.data)
	m.data = nil
	if err != nil {
		return fmt.Errorf("mmap: %w", err)
	}
	return nil
}
