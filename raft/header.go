package raft

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Kind selects the protocol carried by a muxed connection.
type Kind byte

const (
	// KindRaft carries one hraft NetworkTransport stream of a raft group.
	KindRaft Kind = 1
	// KindRPC is reserved for internal RPC services.
	KindRPC Kind = 2
)

// muxMagic is the first byte of every muxed connection.
const muxMagic byte = 0xB7

// maxHeaderString bounds the group/service name and the sender address.
const maxHeaderString = 255

// header is what a dialer writes before handing the conn to its protocol:
//
//	magic(1) kind(1) uvarint(len(name)) name uvarint(len(from)) from
//
// from is the dialer's advertised mux address (may be empty); it only feeds
// the test fault table so that an accepted conn can be attributed to a peer.
type header struct {
	kind Kind
	name string
	from string
}

func (h header) encode() ([]byte, error) {
	if len(h.name) == 0 || len(h.name) > maxHeaderString || len(h.from) > maxHeaderString {
		return nil, fmt.Errorf("raft: mux: bad header name %q / from %q", h.name, h.from)
	}
	b := make([]byte, 0, 2+2*binary.MaxVarintLen16+len(h.name)+len(h.from))
	b = append(b, muxMagic, byte(h.kind))
	b = binary.AppendUvarint(b, uint64(len(h.name)))
	b = append(b, h.name...)
	b = binary.AppendUvarint(b, uint64(len(h.from)))
	b = append(b, h.from...)
	return b, nil
}

// readHeader reads exactly the header bytes (byte by byte for the varints, so
// nothing that belongs to the carried protocol is consumed).
func readHeader(r io.Reader) (header, error) {
	br := byteReader{r: r}
	var fixed [2]byte
	if _, err := io.ReadFull(r, fixed[:]); err != nil {
		return header{}, err
	}
	if fixed[0] != muxMagic {
		return header{}, errors.New("raft: mux: bad magic")
	}
	name, err := readString(&br)
	if err != nil {
		return header{}, err
	}
	from, err := readString(&br)
	if err != nil {
		return header{}, err
	}
	return header{kind: Kind(fixed[1]), name: name, from: from}, nil
}

func readString(br *byteReader) (string, error) {
	n, err := binary.ReadUvarint(br)
	if err != nil {
		return "", err
	}
	if n > maxHeaderString {
		return "", fmt.Errorf("raft: mux: header string too long (%d)", n)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(br.r, buf); err != nil {
		return "", err
	}
	return string(buf), nil
}

type byteReader struct {
	r   io.Reader
	buf [1]byte
}

func (b *byteReader) ReadByte() (byte, error) {
	if _, err := io.ReadFull(b.r, b.buf[:]); err != nil {
		return 0, err
	}
	return b.buf[0], nil
}
