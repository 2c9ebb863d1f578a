package mavwire

import (
	"bytes"
	"testing"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/mavlink/dialect"
)

func TestScanner_Datagram_RoundTripV1V2(t *testing.T) {
	for _, v1 := range []bool{false, true} {
		e := &Encoder{Dialect: dialect.ReadWriter, SystemID: 7, ComponentID: 1, V1: v1}
		hb := &common.MessageHeartbeat{Type: common.MAV_TYPE_QUADROTOR, Autopilot: common.MAV_AUTOPILOT_ARDUPILOTMEGA, MavlinkVersion: 3}
		gpi := &common.MessageGlobalPositionInt{Lat: 313400000, Lon: -1109400000, Alt: 1200000, Hdg: 9000}
		buf, err := e.Encode(nil, hb)
		if err != nil {
			t.Fatal(err)
		}
		buf, err = e.Encode(buf, gpi)
		if err != nil {
			t.Fatal(err)
		}
		var s Scanner
		s.Dialect = dialect.ReadWriter
		var got []Frame
		s.Datagram(buf, func(f Frame) { got = append(got, f) })
		if len(got) != 2 || s.Stats.Frames != 2 || s.Stats.GarbageBytes != 0 {
			t.Fatalf("v1=%v: got %d frames, stats %+v", v1, len(got), s.Stats)
		}
		if got[0].SystemID != 7 || got[1].MessageID != 33 || got[1].Seq != 1 || got[0].V2 == v1 {
			t.Fatalf("v1=%v: wrong header fields %+v", v1, got[1])
		}
		m, err := got[1].Decode(dialect.ReadWriter)
		if err != nil {
			t.Fatal(err)
		}
		if p := m.(*common.MessageGlobalPositionInt); p.Lat != gpi.Lat || p.Lon != gpi.Lon || p.Hdg != 9000 {
			t.Fatalf("v1=%v: decoded %+v", v1, p)
		}
	}
}

func TestScanner_Datagram_GarbageTruncatedAndBadChecksum(t *testing.T) {
	e := &Encoder{Dialect: dialect.ReadWriter, SystemID: 1, ComponentID: 1}
	good, _ := e.Encode(nil, &common.MessageHeartbeat{Type: common.MAV_TYPE_QUADROTOR})
	bad := append([]byte(nil), good...)
	bad[len(bad)-1] ^= 0xFF

	var s Scanner
	s.Dialect = dialect.ReadWriter
	n := 0
	data := append([]byte("ArduCopter V4.8.0 boot\n"), bad...)
	data = append(data, good...)
	data = append(data, good[:7]...) // truncated tail
	s.Datagram(data, func(Frame) { n++ })
	if n != 1 || s.Stats.BadChecksum != 1 || s.Stats.Truncated != 1 || s.Stats.GarbageBytes < 23 {
		t.Fatalf("frames %d, stats %+v", n, s.Stats)
	}
}

func TestScanner_Stream_SplitAnywhere(t *testing.T) {
	e := &Encoder{Dialect: dialect.ReadWriter, SystemID: 1, ComponentID: 1}
	var all []byte
	for i := 0; i < 5; i++ {
		all, _ = e.Encode(all, &common.MessageAttitude{TimeBootMs: uint32(i), Roll: 0.5})
	}
	all = append([]byte("banner\r\n"), all...)
	for cut := 1; cut < len(all); cut++ {
		var s Scanner
		s.Dialect = dialect.ReadWriter
		var seqs []byte
		fn := func(f Frame) { seqs = append(seqs, f.Seq) }
		s.Stream(append([]byte(nil), all[:cut]...), fn)
		s.Stream(append([]byte(nil), all[cut:]...), fn)
		if !bytes.Equal(seqs, []byte{0, 1, 2, 3, 4}) || s.Stats.GarbageBytes != 8 {
			t.Fatalf("cut %d: seqs %v stats %+v", cut, seqs, s.Stats)
		}
	}
}

func TestEncoder_Signer_SignatureVerifies(t *testing.T) {
	key := [32]byte{1, 2, 3}
	e := &Encoder{Dialect: dialect.ReadWriter, SystemID: 1, ComponentID: 1,
		Signer: &Signer{Key: key, LinkID: 4, Timestamp: func() uint64 { return 123456 }}}
	buf, err := e.Encode(nil, &common.MessageHeartbeat{})
	if err != nil {
		t.Fatal(err)
	}
	f, _, _, err := Parse(buf, dialect.ReadWriter)
	if err != nil || !f.Signed() {
		t.Fatalf("parse: %v signed=%v", err, f.Signed())
	}
	link, ts, sig, ok := f.Signature()
	if !ok || link != 4 || ts != 123456 {
		t.Fatalf("signature fields %d %d %v", link, ts, ok)
	}
	if want := ComputeSignature(key, f.Raw[:len(f.Raw)-6]); want != sig {
		t.Fatal("signature does not verify with the key")
	}
	if other := ComputeSignature([32]byte{9}, f.Raw[:len(f.Raw)-6]); other == sig {
		t.Fatal("signature verifies with the wrong key")
	}
}

// FuzzScanner feeds arbitrary bytes as datagrams and as a split stream: it must
// never panic, and every delivered frame must re-parse to itself.
func FuzzScanner(f *testing.F) {
	e := &Encoder{Dialect: dialect.ReadWriter, SystemID: 1, ComponentID: 1}
	hb, _ := e.Encode(nil, &common.MessageHeartbeat{})
	f.Add(hb)
	f.Add([]byte{0xFD, 0xFF, 0x01})
	f.Add([]byte{0xFE, 0x00})
	f.Add(append([]byte("garbage"), hb[:len(hb)-1]...))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Scanner
		s.Dialect = dialect.ReadWriter
		check := func(fr Frame) {
			if len(fr.Raw) > MaxFrameLen {
				t.Fatalf("frame of %d bytes", len(fr.Raw))
			}
			again, n, _, err := Parse(fr.Raw, dialect.ReadWriter)
			if err != nil || n != len(fr.Raw) || again.MessageID != fr.MessageID {
				t.Fatalf("delivered frame does not re-parse: %v", err)
			}
			if fr.Known {
				_, _ = fr.Decode(dialect.ReadWriter)
			}
		}
		s.Datagram(append([]byte(nil), data...), check)
		var st Scanner
		st.Dialect = dialect.ReadWriter
		half := len(data) / 2
		st.Stream(append([]byte(nil), data[:half]...), check)
		st.Stream(append([]byte(nil), data[half:]...), check)
	})
}
