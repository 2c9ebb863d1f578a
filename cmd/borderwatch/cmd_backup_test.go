package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/federation"
	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/web/apiclient"
	"github.com/borderwatch/borderwatch/web/auth"
	"github.com/borderwatch/borderwatch/web/auth/authtest"
)

// alertTexts are the texts of a headquarters' alerts, oldest first.
func alertTexts(evs []federation.RemoteEvent) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Station+":"+string(e.Data))
	}
	return out
}

// `borderwatch backup` of a running headquarters copies its view file
// (<data>.hqview) through the server's API, as it copies the store (an
// admin's token; a supervisor's is refused); the two copies restored as
// the --data file of a new headquarters (on a NATS server no station
// publishes to, so all it shows comes from the files) show the station,
// its vehicle and its alerts. Once the HQ is stopped, the same command
// copies both files directly.
func TestBackup_RunningHQ_ViewCopiedAndRestored(t *testing.T) {
	hq, st, _ := startHQAndStation(t, 5*time.Second)
	for i := range 3 {
		st.hub.Publish(telemetry.Alert{EventHeader: telemetry.EventHeader{Time: time.Now(), SystemID: 1}, Type: telemetry.AlertLowBattery, Text: fmt.Sprint("backup test ", i)})
	}
	testenv.Eventually(t, 20*time.Second, "east/1 and three alerts at the HQ", func() bool {
		n := 0
		for _, a := range hq.fed.hq.Alerts() {
			if strings.Contains(string(a.Data), "backup test") {
				n++
			}
		}
		return len(hq.fed.hq.Vehicles()) == 1 && n == 3
	})
	before := alertTexts(hq.fed.hq.Alerts())

	data := hq.store.Path
	backup := filepath.Join(t.TempDir(), "copy.db")
	url := hq.web.URL()
	sup := authtest.Token(t, hq.web.AccountsInUse(), auth.RoleSupervisor)
	if _, errOut, code := runTool(t, "backup", backup, "--data", data, "--server", url, "--token", sup); code == 0 || !strings.Contains(errOut, "403") {
		t.Fatalf("backup with a supervisor's token: %d %s", code, errOut)
	}
	admin := authtest.Token(t, hq.web.AccountsInUse(), auth.RoleAdmin)
	out, errOut, code := runTool(t, "backup", backup, "--data", data, "--server", url, "--token", admin)
	if code != 0 || !strings.Contains(out, "to "+backup+".hqview") || !strings.Contains(out, "1 stations, 1 vehicles") {
		t.Fatalf("backup of a running HQ: %d %s%s", code, out, errOut)
	}
	if strings.Count(errOut, "a running server holds") != 1 {
		t.Errorf("the note that the server was asked, once: %q", errOut)
	}
	// Both copies are in the HQ's audit trail, each with its size.
	testenv.Eventually(t, 10*time.Second, "the backups in the HQ's audit trail", func() bool {
		seen := map[string]bool{}
		hq.store.Audit(store.EventFilter{}, func(a telemetry.OperatorAction) bool {
			if a.Result == "ok" && strings.HasSuffix(a.Detail, " bytes") {
				seen[a.Action] = true
			}
			return true
		})
		return seen["backup"] && seen["backup hqview"]
	})

	// Restore: the two copies become the --data file of a new HQ.
	dir := t.TempDir()
	restored := filepath.Join(dir, "restored.db")
	for from, to := range map[string]string{backup: restored, backup + ".hqview": restored + ".hqview"} {
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	hq2, err := startServer(serverOptions{links: stringList{"udp://127.0.0.1:0"}, http: "127.0.0.1:0", data: restored,
		fed: fedOptions{listen: "127.0.0.1:0", hq: true, hqName: "hq", staleAfter: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	defer hq2.Close()
	var keys, stations []string
	for _, v := range hq2.fed.hq.Vehicles() {
		keys = append(keys, v.Key)
	}
	for _, s := range hq2.fed.hq.Stations() {
		stations = append(stations, s.Name)
	}
	got := alertTexts(hq2.fed.hq.Alerts())
	if fmt.Sprint(keys) != "[east/1]" || fmt.Sprint(stations) != "[east]" || len(got) < len(before) || !slices.Equal(got[:len(before)], before) {
		t.Fatalf("the restored HQ shows vehicles %v, stations %v, alerts\n%v\nthe HQ showed alerts\n%v", keys, stations, got, before)
	}

	// A stopped HQ: both files are copied directly, no server asked.
	hq.Close()
	cold := filepath.Join(t.TempDir(), "cold.db")
	out, errOut, code = runTool(t, "backup", cold, "--data", data)
	if code != 0 || strings.Contains(errOut, "a running server holds") || !strings.Contains(out, "to "+cold+".hqview") {
		t.Fatalf("backup of a stopped HQ: %d %s%s", code, out, errOut)
	}
	if sum, err := federation.CheckViewFile(cold + ".hqview"); err != nil || sum.Vehicles != 1 || sum.Alerts < 3 {
		t.Fatalf("the stopped HQ's view copy: %v %v", sum, err)
	}
}

// A station (no .hqview beside its store) is backed up as before: the
// store only, and no view file is made.
func TestBackup_Station_NoViewFile(t *testing.T) {
	_, st, _ := startHQAndStation(t, 5*time.Second)
	backup := filepath.Join(t.TempDir(), "st.db")
	admin := authtest.Token(t, st.web.AccountsInUse(), auth.RoleAdmin)
	out, errOut, code := runTool(t, "backup", backup, "--data", st.store.Path, "--server", st.web.URL(), "--token", admin)
	if code != 0 || strings.Contains(out, "hqview") {
		t.Fatalf("backup of a station: %d %s%s", code, out, errOut)
	}
	if _, err := os.Stat(backup + ".hqview"); !os.IsNotExist(err) {
		t.Fatalf("a view file was made for a station: %v", err)
	}
	// Asked for a view it does not have, a station says it is not a
	// headquarters.
	c := &apiclient.Client{BaseURL: st.web.URL(), Token: admin}
	if _, err := c.BackupHQView(context.Background(), io.Discard); err == nil || !strings.Contains(err.Error(), "not a headquarters") {
		t.Fatalf("a station's view backup: %v", err)
	}
}
