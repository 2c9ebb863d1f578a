package tak

import (
	"bufio"
	"bytes"
	"io"
)

var endEvent = []byte("</event>")

// scanEvents splits a TCP stream of CoT events (a TAK Server sends them one
// after another, each with its own XML declaration) at each </event>. An
// event longer than MaxEventBytes stops the scan with bufio.ErrTooLong, so a
// peer cannot make us buffer without bound.
func scanEvents(r io.Reader) *bufio.Scanner {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), MaxEventBytes)
	sc.Split(func(data []byte, atEOF bool) (int, []byte, error) {
		if i := bytes.Index(data, endEvent); i >= 0 {
			end := i + len(endEvent)
			return end, bytes.TrimSpace(data[:end]), nil
		}
		if atEOF {
			return len(data), nil, nil // a trailing fragment without </event> is not an event
		}
		return 0, nil, nil
	})
	return sc
}
