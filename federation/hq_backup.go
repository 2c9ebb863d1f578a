package federation

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Backup of the headquarters' view (the StorePath file, hq_store.go), as
// the sortie store is backed up (telemetry/store's Backup): bbolt's
// tx.WriteTo inside one read transaction gives a consistent copy while
// writers go on. Every batch of events is written with the station's place
// in its sequence in one transaction, so any snapshot holds each station's
// events up to its place and nothing after it.

var (
	// ErrViewHeld means a running headquarters holds the view's file: ask
	// that server for the copy (HQ.BackupView through its API).
	ErrViewHeld = errors.New("a running headquarters holds it open")
	// ErrNoView means this headquarters keeps its view in memory only
	// (no StorePath): there is no file to copy.
	ErrNoView = errors.New("this headquarters keeps no view file (no StorePath)")
)

// BackupView writes a consistent copy of the view's file to w while the
// headquarters runs. The states changed since the last write (at most
// hqStateFlush old) are written first, so the copy holds what the HQ shows
// now; if that write fails the copy still holds every event and the
// states of the previous write.
func (h *HQ) BackupView(w io.Writer) (int64, error) {
	if h.disk.db == nil {
		return 0, ErrNoView
	}
	if err := h.flushStates(); err != nil {
		h.disk.writeErrors.Add(1)
		h.Logger.Warn("federation: writing the latest vehicle states before a backup of the headquarters' view (the copy has the previous ones)", "err", err)
	}
	return writeView(h.disk.db, w)
}

// BackupViewFile writes a consistent copy of the view's file at path to w
// when no server holds it; ErrViewHeld when one does.
func BackupViewFile(path string, w io.Writer) (int64, error) {
	db, err := openViewReadOnly(path)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	return writeView(db, w)
}

func writeView(db *bolt.DB, w io.Writer) (int64, error) {
	var n int64
	err := db.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("federation: copying the headquarters' view: %w", err)
	}
	return n, nil
}

// openViewReadOnly opens an existing view file for reading.
func openViewReadOnly(path string) (*bolt.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("federation: the headquarters' view %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("federation: the headquarters' view %s: %w", path, ErrViewHeld)
	}
	if err != nil {
		return nil, fmt.Errorf("federation: the headquarters' view %s: %w", path, err)
	}
	return db, nil
}

// ViewSummary counts what a view file holds.
type ViewSummary struct {
	Stations, Vehicles, Alerts, Detections, Sorties int
}

func (s ViewSummary) String() string {
	return fmt.Sprintf("%d stations, %d vehicles, %d alerts, %d detections, %d sorties", s.Stations, s.Vehicles, s.Alerts, s.Detections, s.Sorties)
}

// CheckViewFile reads a view file (a backup) as a headquarters loads it at
// start, and counts what it holds: an error means an HQ would refuse it.
func CheckViewFile(path string) (ViewSummary, error) {
	db, err := openViewReadOnly(path)
	if err != nil {
		return ViewSummary{}, err
	}
	defer db.Close()
	// The same load as openStore's, into a view of its own that keeps
	// every alert and detection the file holds.
	h := &HQ{MaxEvents: math.MaxInt, vehicles: map[vehicleKey]*remoteVehicle{}, stations: map[string]*stationView{}, sorties: map[sortieKey]RemoteEvent{}}
	err = db.View(func(tx *bolt.Tx) error {
		for _, name := range hqBuckets {
			if tx.Bucket(name) == nil {
				return fmt.Errorf("no %q bucket; is this a headquarters' view (<data>.hqview)?", name)
			}
		}
		return h.load(tx)
	})
	if err != nil {
		return ViewSummary{}, fmt.Errorf("federation: the headquarters' view %s: %w", path, err)
	}
	return ViewSummary{Stations: len(h.stations), Vehicles: len(h.vehicles), Alerts: len(h.alerts), Detections: len(h.detections), Sorties: len(h.sorties)}, nil
}
