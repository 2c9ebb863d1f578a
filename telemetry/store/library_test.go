package store_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/telemetry/store/storetest"
)

func TestStore_CreateUpdateDeletePlan_VersionsAndUploadsKept(t *testing.T) {
	s := storetest.MustOpen(t)
	if _, err := s.UpdatePlan(store.PlanVersion{Name: "north", Data: []byte("a")}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("update of a missing plan: %v", err)
	}
	if v, err := s.CreatePlan(store.PlanVersion{Name: "north", Author: "ann", Data: []byte("a")}); err != nil || v != 1 {
		t.Fatalf("create = %d, %v", v, err)
	}
	if _, err := s.CreatePlan(store.PlanVersion{Name: "north", Data: []byte("x")}); !errors.Is(err, store.ErrExists) {
		t.Fatalf("second create: %v", err)
	}
	if v, err := s.UpdatePlan(store.PlanVersion{Name: "north", Author: "bob", Data: []byte("b")}); err != nil || v != 2 {
		t.Fatalf("update = %d, %v", v, err)
	}
	if _, err := s.CreatePlan(store.PlanVersion{Name: "south", Data: []byte("c")}); err != nil {
		t.Fatal(err)
	}
	list, err := s.Plans()
	if err != nil || len(list) != 2 || list[0].Name != "north" || list[0].Version != 2 || list[0].Versions != 2 || list[0].Author != "bob" || list[0].Data != nil {
		t.Fatalf("Plans = %+v, %v", list, err)
	}
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for i, u := range []store.PlanUpload{
		{Time: at, Plan: "north", Version: 1, SysID: 3, User: "ann", Items: [3]int{5, 4, 1}, Verified: true},
		{Time: at.Add(time.Second), Plan: "south", Version: 1, SysID: 4, User: "bob", Error: "timeout"},
		{Time: at.Add(2 * time.Second), Plan: "north", Version: 2, SysID: 4, User: "bob", Verified: true},
	} {
		if err := s.RecordPlanUpload(u); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	if err := s.RecordPlanUpload(store.PlanUpload{Plan: "north"}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("record without time and vehicle: %v", err)
	}
	if err := s.DeletePlan("north"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeletePlan("north"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := s.Plan("north", 0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleted plan still readable: %v", err)
	}
	// The versions flown stay readable by number (evidence; the chain holds them).
	if v, err := s.Plan("north", 2); err != nil || string(v.Data) != "b" {
		t.Fatalf("version 2 of the deleted plan = %+v, %v; want it kept", v, err)
	}
	if names, _ := s.PlanNames(); len(names) != 1 || names[0] != "south" {
		t.Fatalf("plan names after delete = %v, want [south]", names)
	}
	// The evidence chain holds: nothing is missing or changed.
	if rep, err := s.VerifyChain(); err != nil || !rep.OK() {
		t.Fatalf("chain after a plan was deleted: %+v, %v", rep, err)
	}
	ups, err := s.PlanUploads("north", 0)
	if err != nil || len(ups) != 2 || ups[0].Version != 1 || ups[1].SysID != 4 || ups[0].Items != [3]int{5, 4, 1} {
		t.Fatalf("uploads of north after delete = %+v, %v", ups, err)
	}
	if ups, _ := s.PlanUploads("", 4); len(ups) != 2 || ups[0].Plan != "south" {
		t.Fatalf("uploads to vehicle 4 = %+v", ups)
	}
}

func TestStore_Layers_LimitRenameDeleteSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.db")
	s := &store.Store{Path: path}
	if err := s.Initialize(); err != nil {
		t.Fatal(err)
	}
	id1, err := s.AddLayer(store.LayerRecord{Name: "border", Kind: "border", Data: []byte(`{"type":"FeatureCollection","features":[]}`)}, 2)
	if err != nil || id1 != "stored-1" {
		t.Fatalf("add = %q, %v", id1, err)
	}
	id2, _ := s.AddLayer(store.LayerRecord{Name: "nofly", Kind: "no_fly", Data: []byte(`{}`)}, 2)
	if _, err := s.AddLayer(store.LayerRecord{Name: "third", Kind: "no_fly", Data: []byte(`{}`)}, 2); !errors.Is(err, store.ErrLimit) {
		t.Fatalf("third layer over a limit of 2: %v", err)
	}
	if err := s.RenameLayer(id1, "north border"); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"layer-1", "stored-", "stored-99", "stored-x"} {
		if err := s.RenameLayer(id, "x"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("rename %q: %v", id, err)
		}
	}
	if err := s.RenameLayer(id1, ""); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("empty name: %v", err)
	}
	if err := s.DeleteLayer(id2); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = storetest.MustOpenPath(t, path)
	var got []store.LayerRecord
	if err := s.Layers(true, func(l store.LayerRecord) bool { got = append(got, l); return true }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != id1 || got[0].Name != "north border" || got[0].Kind != "border" || len(got[0].Data) == 0 {
		t.Fatalf("after reopen: %+v", got)
	}
	// Deleting frees room under the limit; ids are never reused.
	if id, err := s.AddLayer(store.LayerRecord{Name: "again", Kind: "no_fly", Data: []byte(`{}`)}, 2); err != nil || id != "stored-3" {
		t.Fatalf("add after delete = %q, %v", id, err)
	}
}

func TestStore_AckAlert_FirstStandsUnknownRefused(t *testing.T) {
	s := storetest.MustOpen(t)
	at := time.Date(2026, 5, 1, 12, 0, 0, 123456000, time.UTC)
	a := telemetry.Alert{EventHeader: telemetry.Header(at, 2), Type: telemetry.AlertLowBattery, Severity: telemetry.SeverityCritical, Text: "battery 9%"}
	other := a
	other.Text = "battery 8%"
	if err := s.Append(nil, []telemetry.Event{a, other}); err != nil {
		t.Fatal(err)
	}
	id := store.AlertID(a)
	if id == store.AlertID(other) {
		t.Fatalf("two alerts at the same time with other texts share id %q", id)
	}
	if _, err := s.AckAlert(store.AlertAck{AlertID: "1-2-low_battery-x", User: "ann", Time: at}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ack of an unknown alert: %v", err)
	}
	ack, err := s.AckAlert(store.AlertAck{AlertID: id, User: "ann", Time: at.Add(time.Minute), Note: "landing now"})
	if err != nil || ack.User != "ann" {
		t.Fatalf("ack = %+v, %v", ack, err)
	}
	stands, err := s.AckAlert(store.AlertAck{AlertID: id, User: "bob", Time: at.Add(2 * time.Minute)})
	if !errors.Is(err, store.ErrExists) || stands.User != "ann" || stands.Note != "landing now" {
		t.Fatalf("second ack = %+v, %v", stands, err)
	}
	acks, err := s.AlertAcks([]string{id, store.AlertID(other)})
	if err != nil || len(acks) != 1 || acks[id].Note != "landing now" {
		t.Fatalf("acks = %+v, %v", acks, err)
	}
}
