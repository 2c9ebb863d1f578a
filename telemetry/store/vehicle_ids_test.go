package store_test

import (
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	bolt "go.etcd.io/bbolt"

	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
)

// testdata/store-format2-sysid.db was written by the code before vehicle ids
// (main at 002b7ab): two vehicles (system ids 1 and 2) armed from 2 s to 8 s,
// 40 frames, one detection by vehicle 2 and one plan upload to it. Its keys
// and records hold 1-byte system ids only.
func copyFixture(t *testing.T) string {
	t.Helper()
	src, err := os.Open(filepath.Join("testdata", "store-format2-sysid.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	path := filepath.Join(t.TempDir(), "old.db")
	dst, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestStore_OldFormatStore_ReadsWithVehicleIDs(t *testing.T) {
	path := copyFixture(t)
	check := func(t *testing.T, s *store.Store) {
		sos, err := s.Sorties(store.SortieFilter{})
		if err != nil || len(sos) != 2 {
			t.Fatalf("sorties %v, %v; want 2", sos, err)
		}
		for _, so := range sos {
			if so.Vehicle != telemetry.VehicleID(so.SystemID) || so.Vehicle == 0 || so.Frames != 13 || so.Closed != "disarmed" {
				t.Fatalf("old sortie %+v: want vehicle = sysid (default network), 13 frames, disarmed", so)
			}
		}
		two, err := s.Sorties(store.SortieFilter{Vehicle: 2})
		if err != nil || len(two) != 1 || two[0].Detections != 1 {
			t.Fatalf("sorties of vehicle 2: %+v, %v; want one with its detection", two, err)
		}
		if ids, err := s.Systems(0); err != nil || !slices.Equal(ids, []telemetry.VehicleID{1, 2}) {
			t.Fatalf("systems %v, %v; want [1 2]", ids, err)
		}
		var frames []telemetry.Frame
		if err := s.Scan(store.Query{Systems: []telemetry.VehicleID{2}}, func(f telemetry.Frame) bool {
			frames = append(frames, f)
			return true
		}); err != nil || len(frames) != 20 {
			t.Fatalf("frames of vehicle 2: %d, %v; want 20", len(frames), err)
		}
		for _, f := range frames {
			if f.Vehicle() != 2 || f.Network != 0 || f.SystemID != 2 {
				t.Fatalf("frame %+v: want vehicle 2 on the default network", f)
			}
		}
		var evs []telemetry.Event
		if err := s.Events(store.EventFilter{Vehicles: []telemetry.VehicleID{2}}, func(e telemetry.Event) bool {
			evs = append(evs, e)
			return true
		}); err != nil || len(evs) != 1 {
			t.Fatalf("events of vehicle 2: %v, %v; want the detection", evs, err)
		}
		if d := evs[0].(telemetry.Detection); d.VehicleID != 2 || d.SystemID != 2 {
			t.Fatalf("old detection %+v: want vehicle 2 filled in from its sysid", d)
		}
		ups, err := s.PlanUploads("", 2)
		if err != nil || len(ups) != 1 || ups[0].Vehicle != 2 {
			t.Fatalf("plan uploads of vehicle 2: %+v, %v", ups, err)
		}
	}
	t.Run("read-only", func(t *testing.T) {
		s := &store.Store{Path: path, ReadOnly: true}
		if err := s.Initialize(); err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		check(t, s)
	})
	t.Run("written on", func(t *testing.T) {
		s := storetest.MustOpenPath(t, path)
		check(t, s)
		// New frames of the same vehicle go on in the same layout, and a
		// vehicle of another network is added beside them.
		m := newMaker(t)
		east := telemetry.VehicleOf(1, 2)
		at := t0.Add(time.Hour)
		if err := s.Append([]telemetry.Frame{m.frame(2, at, heartbeat(false)), m.frame(east, at, heartbeat(false))}, nil); err != nil {
			t.Fatal(err)
		}
		if ids, err := s.Systems(0); err != nil || !slices.Equal(ids, []telemetry.VehicleID{1, 2, east}) {
			t.Fatalf("systems %v, %v; want [1 2 %d]", ids, err, east)
		}
		if r, err := s.VerifyChain(); err != nil || len(r.Problems) > 0 {
			t.Fatalf("chain of the old store after new writes: %+v, %v", r, err)
		}
	})
}

// Two vehicles with one system id on two networks are two vehicles in the
// store: their frames, sorties and queries never mix, and the default
// network's system id 255 (whose key prefix begins the other networks' keys)
// stays apart from them.
func TestStore_SameSysIDOnTwoNetworks_KeptApart(t *testing.T) {
	s := storetest.MustOpen(t)
	m := newMaker(t)
	west, east, gcsLike := telemetry.VehicleID(3), telemetry.VehicleOf(1, 3), telemetry.VehicleID(255)
	far := telemetry.VehicleOf(telemetry.MaxNetworks-1, 254)
	var frames []telemetry.Frame
	for i := 0; i < 600; i++ {
		at := t0.Add(time.Duration(i) * 100 * time.Millisecond)
		for _, id := range []telemetry.VehicleID{west, east, gcsLike, far} {
			frames = append(frames, m.frame(id, at, heartbeat(i >= 100 && i < 500)))
			frames = append(frames, m.frame(id, at, &common.MessageAttitude{TimeBootMs: uint32(i)}))
		}
	}
	for len(frames) > 0 {
		n := min(len(frames), 400)
		if err := s.Append(frames[:n], nil); err != nil {
			t.Fatal(err)
		}
		frames = frames[n:]
	}
	if ids, err := s.Systems(0); err != nil || !slices.Equal(ids, []telemetry.VehicleID{west, gcsLike, east, far}) {
		t.Fatalf("systems %v, %v", ids, err)
	}
	for _, id := range []telemetry.VehicleID{west, east, gcsLike, far} {
		n := 0
		err := s.Scan(store.Query{Systems: []telemetry.VehicleID{id}}, func(f telemetry.Frame) bool {
			if f.Vehicle() != id {
				t.Fatalf("query of vehicle %d returned a frame of %d", id, f.Vehicle())
			}
			n++
			return true
		})
		if err != nil || n != 1200 {
			t.Fatalf("vehicle %d: %d frames, %v; want 1200", id, n, err)
		}
		sos, err := s.Sorties(store.SortieFilter{Vehicle: id})
		if err != nil || len(sos) != 1 || sos[0].Vehicle != id || sos[0].SystemID != id.SysID() {
			t.Fatalf("sorties of %d: %+v, %v; want one of its own", id, sos, err)
		}
	}
	// Retention of one vehicle's old chunks touches no other's.
	if _, err := s.DropBefore(t0.Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if n, err := s.CountFrames(); err != nil || n != 4*1200 {
		t.Fatalf("after retention before any chunk ended: %d frames, %v", n, err)
	}
}

func TestStore_NetworkNumber_StableAndNeverReused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nets.db")
	s := storetest.MustOpenPath(t, path)
	for name, want := range map[string]uint32{"": 0} {
		if n, err := s.NetworkNumber(name); err != nil || n != want {
			t.Fatalf("NetworkNumber(%q) = %d, %v", name, n, err)
		}
	}
	seq := []string{"east", "west", "east", "north", "west"}
	var got []uint32
	for _, name := range seq {
		n, err := s.NetworkNumber(name)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, n)
	}
	if !slices.Equal(got, []uint32{1, 2, 1, 3, 2}) {
		t.Fatalf("numbers %v; want [1 2 1 3 2]", got)
	}
	for _, bad := range []string{"East", "a b", "x/y", "ü", string(make([]byte, 33))} {
		if _, err := s.NetworkNumber(bad); err == nil {
			t.Fatalf("NetworkNumber(%q) accepted", bad)
		}
	}
	nets, err := s.Networks()
	if err != nil || len(nets) != 4 || nets[3] != "north" || nets[0] != "" {
		t.Fatalf("Networks() = %v, %v", nets, err)
	}
}

func TestStore_NetworkNumber_ReadOnlyOnlyLooksUp(t *testing.T) {
	path := copyFixture(t) // a store from before networks: no registry at all
	s := &store.Store{Path: path, ReadOnly: true}
	if err := s.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if nets, err := s.Networks(); err != nil || len(nets) != 1 {
		t.Fatalf("Networks() of an old store = %v, %v; want only the default", nets, err)
	}
	if _, err := s.NetworkNumber("east"); err == nil {
		t.Fatal("a read-only store numbered a new network")
	}
}

// A file is raised to format 3 when it numbers its first network, and not
// before: a store of the default network alone stays readable by a
// Borderwatch that reads format 2.
func TestStore_NetworkNumber_RaisesFormatOnlyForNetworks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fmt.db")
	format := func() uint32 {
		db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var v uint32
		_ = db.View(func(tx *bolt.Tx) error {
			v = binary.BigEndian.Uint32(tx.Bucket([]byte("meta")).Get([]byte("format")))
			return nil
		})
		return v
	}
	s := &store.Store{Path: path}
	if err := s.Initialize(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.NetworkNumber(""); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if f := format(); f != 2 {
		t.Fatalf("a default-network store has format %d; want 2", f)
	}
	s = &store.Store{Path: path}
	if err := s.Initialize(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.NetworkNumber("east"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if f := format(); f != 3 {
		t.Fatalf("after numbering a network the format is %d; want 3", f)
	}
}
