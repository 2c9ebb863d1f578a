package tlog_test

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
	"github.com/borderwatch/borderwatch/telemetry/tlog"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// sample writes n records alternating MAVLink 1 and 2.
func sample(t testing.TB, n int) []byte {
	var buf bytes.Buffer
	w := tlog.NewWriter(&buf)
	e1 := &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: 1, ComponentID: 1, V1: true}
	e2 := &mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: 2, ComponentID: 1}
	for i := 0; i < n; i++ {
		e := e1
		if i%2 == 1 {
			e = e2
		}
		raw, err := e.Encode(nil, &common.MessageAttitude{TimeBootMs: uint32(i)})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(t0.Add(time.Duration(i)*time.Millisecond), raw); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readAll(t testing.TB, data []byte) ([]tlog.Record, tlog.Stats) {
	r := &tlog.Reader{R: bytes.NewReader(data)}
	if err := r.Initialize(); err != nil {
		t.Fatal(err)
	}
	var out []tlog.Record
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, r.Stats
		}
		if err != nil {
			t.Fatal(err)
		}
		rec.Frame.Raw = bytes.Clone(rec.Frame.Raw)
		out = append(out, rec)
	}
}

func TestReader_Read_RoundTripV1V2(t *testing.T) {
	recs, st := readAll(t, sample(t, 1000))
	if len(recs) != 1000 || st.Records != 1000 || st.BadChecksum+st.GarbageBytes+st.Truncated != 0 {
		t.Fatalf("%d records, stats %+v", len(recs), st)
	}
	for i, r := range recs {
		if !r.Time.Equal(t0.Add(time.Duration(i)*time.Millisecond)) || r.Frame.V2 != (i%2 == 1) || r.Frame.SystemID != uint8(1+i%2) {
			t.Fatalf("record %d: %v v2=%v sys %d", i, r.Time, r.Frame.V2, r.Frame.SystemID)
		}
	}
}

func TestReader_Read_BadChecksumTruncatedAndGarbageSkipped(t *testing.T) {
	data := sample(t, 10)
	// Records are 8 + 36 (v1 ATTITUDE: 6+28+2) or 8 + 40 (v2: 10+28+2) bytes.
	bad := bytes.Clone(data)
	bad[8+6+3] ^= 0xFF // a payload byte of record 0
	garbage := append(append(bytes.Clone(data[:44]), []byte("NOT A RECORD")...), data[44:]...)
	truncated := data[:len(data)-7]
	for _, c := range []struct {
		name                string
		data                []byte
		records             int
		bad, trunc, garbage uint64
	}{
		{"bad checksum", bad, 9, 1, 0, 0},
		{"truncated last record", truncated, 9, 0, 1, 0},
		{"garbage between records", garbage, 10, 0, 0, 12},
		{"empty", nil, 0, 0, 0, 0},
		{"only a timestamp", data[:8], 0, 0, 1, 0},
		{"timestamp beyond year 9999", append([]byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, data[8:]...), 9, 0, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			recs, st := readAll(t, c.data)
			if len(recs) != c.records || st.BadChecksum != c.bad || st.Truncated != c.trunc || st.GarbageBytes != c.garbage {
				t.Fatalf("%d records, stats %+v; want %d records, %d bad, %d truncated, %d garbage", len(recs), st, c.records, c.bad, c.trunc, c.garbage)
			}
		})
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errors.New("disk on fire")
	}
	f.n = 0
	return copy(p, make([]byte, 3)), nil
}

func TestReader_Read_InputErrorReported(t *testing.T) {
	r := &tlog.Reader{R: &failingReader{n: 1}}
	_ = r.Initialize()
	if _, err := r.Read(); err == nil || errors.Is(err, io.EOF) {
		t.Fatalf("error %v, want the input's error", err)
	}
}

func FuzzReader(f *testing.F) {
	data := sample(f, 6)
	f.Add(data)
	f.Add(data[:50])
	f.Add(append([]byte("garbage"), data...))
	bad := bytes.Clone(data)
	bad[20] ^= 0x55
	f.Add(bad)
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0xFD, 0xFF, 0x01})
	f.Fuzz(func(t *testing.T, in []byte) {
		r := &tlog.Reader{R: bytes.NewReader(in)}
		if err := r.Initialize(); err != nil {
			t.Fatal(err)
		}
		var consumed uint64
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("a bytes.Reader cannot fail: %v", err)
			}
			// Every delivered frame re-parses alone to the same frame.
			again, n, _, err := mavwire.Parse(rec.Frame.Raw, dialect.ReadWriter)
			if err != nil || n != len(rec.Frame.Raw) || again.MessageID != rec.Frame.MessageID {
				t.Fatalf("delivered frame does not re-parse: %v", err)
			}
			consumed += 8 + uint64(len(rec.Frame.Raw))
		}
		if consumed+r.Stats.GarbageBytes > uint64(len(in)) {
			t.Fatalf("delivered %d bytes and skipped %d of %d", consumed, r.Stats.GarbageBytes, len(in))
		}
	})
}
