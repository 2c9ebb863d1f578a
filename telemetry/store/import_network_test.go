package store_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
)

func importSITLFile(t *testing.T, s *store.Store, network string) store.ImportResult {
	t.Helper()
	f, err := os.Open(filepath.Join(testenv.SharedData(t), "tlogs", "borderwatch_sitl", "arducopter_4.7_sitl_fence_breach.tlog"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := s.ImportTlogNetwork(f, network, "import:fence_breach.tlog", nil)
	if err != nil {
		t.Fatalf("import on network %q: %v", network, err)
	}
	return res
}

// Issue 14: `borderwatch import` put every imported vehicle on the default
// network. The same tlog imported into two networks is two sets of vehicle
// ids, each network numbered in the registry as serve numbers links'
// networks; sorties name their network, and their frames read back under the
// network's ids.
func TestImportTlogNetwork_SameFileTwoNetworks_TwoSetsOfVehicles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	s := storetest.MustOpenPath(t, path)
	east := importSITLFile(t, s, "east")
	west := importSITLFile(t, s, "west")
	def := importSITLFile(t, s, "")

	nEast, err := s.NetworkNumber("east")
	if err != nil || nEast == 0 {
		t.Fatalf("east numbered %d, %v", nEast, err)
	}
	nWest, _ := s.NetworkNumber("west")
	if nWest == nEast || nWest == 0 {
		t.Fatalf("west numbered %d beside east %d", nWest, nEast)
	}
	ids := func(res store.ImportResult, net uint32) []telemetry.VehicleID {
		t.Helper()
		if len(res.Sorties) == 0 {
			t.Fatalf("import %s made no sortie", res.Network)
		}
		var out []telemetry.VehicleID
		for _, so := range res.Sorties {
			if so.Vehicle.Network() != net {
				t.Fatalf("sortie of vehicle %d on network %d, want %d", so.Vehicle, so.Vehicle.Network(), net)
			}
			out = append(out, so.Vehicle)
		}
		slices.Sort(out)
		return out
	}
	e, w, d := ids(east, nEast), ids(west, nWest), ids(def, 0)
	for i := range d {
		if e[i].SysID() != d[i].SysID() || w[i].SysID() != d[i].SysID() || e[i] == w[i] || e[i] == d[i] {
			t.Fatalf("ids east %v west %v default %v: want the same system ids as three sets of vehicles", e, w, d)
		}
	}

	// The sorties, read back, name their network; the frames are under the
	// network's ids.
	list, err := s.Sorties(store.SortieFilter{Source: "import"})
	if err != nil {
		t.Fatal(err)
	}
	byNet := map[string]int{}
	for _, so := range list {
		byNet[so.Network]++
		want := map[uint32]string{0: "", nEast: "east", nWest: "west"}[so.Vehicle.Network()]
		if so.Network != want {
			t.Fatalf("sortie %d of vehicle %d names network %q, want %q", so.ID, so.Vehicle, so.Network, want)
		}
		from, to := so.Window()
		frames := 0
		if err := s.ScanRaw(store.Query{Stream: so.Stream, Systems: []telemetry.VehicleID{so.Vehicle}, From: from, To: to}, func(f *telemetry.Frame) bool {
			if f.Vehicle() != so.Vehicle {
				t.Fatalf("frame of vehicle %d in sortie of %d", f.Vehicle(), so.Vehicle)
			}
			frames++
			return true
		}); err != nil {
			t.Fatal(err)
		}
		if frames == 0 {
			t.Fatalf("sortie %d of vehicle %d: no frames under its id", so.ID, so.Vehicle)
		}
	}
	if byNet["east"] != len(e) || byNet["west"] != len(w) || byNet[""] != len(d) {
		t.Fatalf("sorties by network %v", byNet)
	}
	so, err := s.Sortie(east.Sorties[0].ID)
	if err != nil || so.Network != "east" {
		t.Fatalf("Sortie(%d).Network = %q, %v", east.Sorties[0].ID, so.Network, err)
	}

	// The store's network list counts the recorded vehicles of each.
	nets, err := s.NetworkList()
	if err != nil {
		t.Fatal(err)
	}
	if len(nets) != 3 || !nets[0].Default || nets[0].RecordedVehicles != len(d) ||
		nets[nEast].Name != "east" || nets[nEast].RecordedVehicles != len(e) || nets[nWest].Name != "west" {
		t.Fatalf("NetworkList = %+v", nets)
	}

	// The numbers survive a reopen: a later import on east gets east's ids.
	s.Close()
	s = storetest.MustOpenPath(t, path)
	again := importSITLFile(t, s, "east")
	if got := ids(again, nEast); !slices.Equal(got, e) {
		t.Fatalf("after a reopen east's ids are %v, want %v", got, e)
	}
}

// A name that cannot name a network is refused before anything is stored.
func TestImportTlogNetwork_InvalidName_RefusedStoresNothing(t *testing.T) {
	s := storetest.MustOpen(t)
	for _, name := range []string{"East", "a b", "<script>", "x/y", string(make([]byte, 40))} {
		f, err := os.Open(filepath.Join(testenv.SharedData(t), "tlogs", "dronekit_python", "test.tlog"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.ImportTlogNetwork(f, name, "import:test.tlog", nil)
		f.Close()
		if !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("network %q: err = %v, want ErrInvalid", name, err)
		}
	}
	if list, _ := s.Sorties(store.SortieFilter{}); len(list) != 0 {
		t.Fatalf("refused imports left %d sorties", len(list))
	}
	if streams, _ := s.Streams(); len(streams) != 0 {
		t.Fatalf("refused imports left streams %+v", streams)
	}
	if nets, _ := s.Networks(); len(nets) != 1 {
		t.Fatalf("refused imports numbered networks %v", nets)
	}
}

// A file refused as not a tlog leaves no network behind: the name it was to
// be imported on is numbered only while the import runs. A network named
// before stays.
func TestImportTlogNetwork_RefusedFile_ForgetsTheNewNetwork(t *testing.T) {
	s := storetest.MustOpen(t)
	if _, err := s.NetworkNumber("east"); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"north", "east"} {
		_, err := s.ImportTlogNetwork(bytes.NewReader(bytes.Repeat([]byte("not a tlog "), 100)), name, "import:junk", nil)
		if !errors.Is(err, store.ErrNotTlog) {
			t.Fatalf("network %s: err = %v, want ErrNotTlog", name, err)
		}
	}
	nets, err := s.Networks()
	if err != nil {
		t.Fatal(err)
	}
	if len(nets) != 2 || nets[1] != "east" {
		t.Fatalf("after refused imports the registry holds %v; want only the default and east", nets)
	}
}
