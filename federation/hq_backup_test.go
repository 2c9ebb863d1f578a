package federation

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/mavlink/decode"
	"github.com/borderwatch/borderwatch/telemetry"
)

// hqViewJSON is everything an HQ shows, as its API would send it.
func hqViewJSON(t *testing.T, h *HQ) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"stations": h.Stations(), "vehicles": h.Vehicles(), "alerts": h.Alerts(), "detections": h.Detections(), "sorties": h.Sorties()})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// backupViewTo copies a running HQ's view into a new file in t.TempDir().
func backupViewTo(t *testing.T, h *HQ, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	n, err := h.BackupView(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil || n == 0 {
		t.Fatalf("backup of the view: %d bytes, %v", n, err)
	}
	return path
}

// A running HQ's view (real bbolt file, fed by a station over a real NATS
// server) is copied while the HQ holds the file; the copy, opened as an HQ
// on a cluster where no station publishes (so all it shows comes from the
// file), shows the same stations, vehicles, alerts, detections and
// sorties. The states of the last second, not yet written by the HQ's
// once-a-second flush, are in the copy too.
func TestHQ_BackupView_CopyOpensAsHQWithSameView(t *testing.T) {
	ns := startNATS(t)
	clk := newFakeClock()
	hub := &telemetry.Hub{}
	startStation(t, "east", ns.ClientURL(), hub, clk)
	path := filepath.Join(t.TempDir(), "hq.db.hqview")
	hq := startStoredHQ(t, ns.ClientURL(), path, clk)
	for id := telemetry.VehicleID(1); id <= 2; id++ {
		hub.Publish(decode.VehicleState{ID: id, SysID: uint8(id), Autopilot: "ardupilot", LinkOK: true, Lat: 31.35, Lon: -110.95 + float64(id)/100, Time: clk.Now()})
	}
	for i := range 3 {
		hub.Publish(telemetry.Detection{EventHeader: telemetry.EventHeader{Time: clk.Now(), SystemID: 1}, TrackID: uint32(10 + i), Class: "person"})
		hub.Publish(telemetry.Alert{EventHeader: telemetry.EventHeader{Time: clk.Now(), SystemID: 2}, Type: telemetry.AlertLowBattery, Text: fmt.Sprint("battery ", i)})
	}
	testenv.Eventually(t, 10*time.Second, "two vehicles, three alerts and three detections at the HQ", func() bool {
		return len(hq.Vehicles()) == 2 && len(hq.Alerts()) == 3 && len(hq.Detections()) == 3
	})
	waitAcked(t, ns.ClientURL(), "east")

	// The file is the running HQ's: it is copied through the HQ, not opened.
	if _, err := BackupViewFile(path, io.Discard); !errors.Is(err, ErrViewHeld) {
		t.Fatalf("copy of a held view file: %v, want ErrViewHeld", err)
	}
	want := hqViewJSON(t, hq)
	copyPath := backupViewTo(t, hq, "copy.hqview")
	sum, err := CheckViewFile(copyPath)
	if err != nil {
		t.Fatal(err)
	}
	if got := sum.String(); got != "1 stations, 2 vehicles, 3 alerts, 3 detections, 0 sorties" {
		t.Fatalf("the copy holds %s", got)
	}

	other := startNATS(t)
	restored := startStoredHQ(t, other.ClientURL(), copyPath, clk)
	if got := hqViewJSON(t, restored); got != want {
		t.Fatalf("the copy opened as an HQ shows\n%s\nthe HQ showed\n%s", got, want)
	}

	// Once the HQ has stopped, the file itself is copied (no server).
	hq.Close()
	cold := filepath.Join(t.TempDir(), "cold.hqview")
	f, err := os.Create(cold)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := BackupViewFile(path, f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if sum, err := CheckViewFile(cold); err != nil || sum.Vehicles != 2 || sum.Alerts != 3 {
		t.Fatalf("copy of the stopped HQ's file: %v %v", sum, err)
	}
}

// A file that is not a headquarters' view (the sortie store, say) is
// refused by CheckViewFile with the reason.
func TestCheckViewFile_NotAView_Refused(t *testing.T) {
	if _, err := CheckViewFile(filepath.Join(t.TempDir(), "none.hqview")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a missing file: %v", err)
	}
	path := filepath.Join(t.TempDir(), "x.hqview")
	if err := os.WriteFile(path, []byte("not a bbolt file at all, padded to more than a page "+string(make([]byte, 8192))), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := CheckViewFile(path); err == nil {
		t.Fatal("a file that is not bbolt was accepted as a view")
	}
	other := filepath.Join(t.TempDir(), "store.db")
	db, err := bolt.Open(other, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("frames")); return err })
	db.Close()
	if _, err := CheckViewFile(other); err == nil || !strings.Contains(err.Error(), "is this a headquarters' view") {
		t.Fatalf("a bbolt file of another kind: %v", err)
	}
}

// A view restored from a backup is older than the HQ's consumer on the
// cluster, which has acknowledged the events that came after the copy:
// the restored HQ notices, reads the station's stream again and shows
// every event, those after the backup included, in order and once.
func TestHQ_RestoredView_CatchesUpWithEventsAfterTheBackup(t *testing.T) {
	ns := startNATS(t)
	clk := newFakeClock()
	hub := &telemetry.Hub{}
	startStation(t, "east", ns.ClientURL(), hub, clk)
	hq := startStoredHQ(t, ns.ClientURL(), filepath.Join(t.TempDir(), "hq.db.hqview"), clk)
	alert := func(i int) {
		hub.Publish(telemetry.Alert{EventHeader: telemetry.EventHeader{Time: clk.Now(), SystemID: 2}, Type: telemetry.AlertLowBattery, Text: fmt.Sprint(i)})
		testenv.Eventually(t, 10*time.Second, "the alert at the HQ", func() bool { return len(hq.Alerts()) == i+1 })
	}
	alert(0)
	alert(1)
	waitAcked(t, ns.ClientURL(), "east")
	copyPath := backupViewTo(t, hq, "copy.hqview")
	alert(2)
	alert(3)
	waitAcked(t, ns.ClientURL(), "east")
	hq.Close()
	hq.Conn.Close()

	hq = startStoredHQ(t, ns.ClientURL(), copyPath, clk)
	testenv.Eventually(t, 10*time.Second, "the alerts after the backup at the restored HQ", func() bool { return len(hq.Alerts()) >= 4 })
	if got := eventTexts(t, hq.Alerts()); fmt.Sprint(got) != "[east:1:0 east:2:1 east:3:2 east:4:3]" {
		t.Fatalf("alerts at the restored HQ: %v", got)
	}
	if st := hq.Stations(); len(st) != 1 || st[0].LastSeq != 4 {
		t.Fatalf("stations at the restored HQ: %+v", st)
	}
}
