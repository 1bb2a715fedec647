package server

import (
	"net"
	"testing"
	"time"
)

// TestStopWithSilentConnection: a client that connected to the API port
// but has not yet sent enough for the protocol splitter to tell HTTP from
// gRPC does not hold up Stop.
func TestStopWithSilentConnection(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sends string
	}{
		{"nothing", ""},
		// The gRPC matcher keeps reading HTTP/2 frames for a HEADERS frame.
		{"HTTP/2 preface only", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startTest(t, t.TempDir())
			conn, err := net.Dial("tcp", s.HTTPAddr())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := conn.Write([]byte(tc.sends)); err != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * time.Millisecond) // accepted and being matched
			done := make(chan error, 1)
			go func() { done <- s.Stop() }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("Stop: %v", err)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("Stop hangs while a silent connection is being matched")
			}
			// The node closed the connection.
			_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := conn.Read(make([]byte, 64)); err == nil {
				t.Fatal("the silent connection is still open after Stop")
			}
		})
	}
}
