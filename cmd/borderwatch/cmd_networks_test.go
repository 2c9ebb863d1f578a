package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
)

// `borderwatch import --network NAME` puts the file's vehicles on that
// network: the same tlog imported into two networks is two sets of vehicle
// ids; `sorties` and `networks` name them; an invalid name is refused
// before any store is created.
func TestImport_Network_TwoNetworksTwoSetsOfVehicles(t *testing.T) {
	tlog := filepath.Join(testenv.SharedData(t), "tlogs", "borderwatch_sitl", "arducopter_4.7_sitl_fence_breach.tlog")
	dir := t.TempDir()
	db := filepath.Join(dir, "bw.db")

	if _, errOut, code := runTool(t, "import", tlog, "--data", db, "--network", "East Side"); code == 0 || !strings.Contains(errOut, "--network") || !strings.Contains(errOut, "only a-z") {
		t.Fatalf("import --network 'East Side': exit %d, %s; want a refusal naming the flag and the rule", code, errOut)
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Fatalf("a refused import created %s (%v)", db, err)
	}
	var ids [2][]telemetry.VehicleID
	for i, net := range []string{"east", "west"} {
		out, errOut, code := runTool(t, "import", tlog, "--data", db, "--network", net, "--json")
		var res []store.ImportResult
		if code != 0 || json.Unmarshal([]byte(out), &res) != nil || len(res) != 1 || res[0].Network != net || len(res[0].Sorties) == 0 {
			t.Fatalf("import --network %s: %d %s%s", net, code, out, errOut)
		}
		for _, so := range res[0].Sorties {
			ids[i] = append(ids[i], so.Vehicle)
		}
	}
	if len(ids[0]) != len(ids[1]) || ids[0][0] == ids[1][0] || ids[0][0].SysID() != ids[1][0].SysID() {
		t.Fatalf("vehicle ids east %v west %v: want the same system ids as two sets", ids[0], ids[1])
	}

	out, errOut, code := runTool(t, "sorties", "--data", db)
	if code != 0 || !strings.Contains(out, "NETWORK") || !strings.Contains(out, "east") || !strings.Contains(out, "west") {
		t.Fatalf("sorties: %d %s%s", code, out, errOut)
	}
	out, errOut, code = runTool(t, "networks", "--data", db, "--json")
	var nets []telemetry.Network
	if code != 0 || json.Unmarshal([]byte(out), &nets) != nil || len(nets) != 3 ||
		nets[1].Name != "east" || nets[1].RecordedVehicles != len(ids[0]) || nets[2].Name != "west" || !nets[0].Default {
		t.Fatalf("networks --json: %d %s%s", code, out, errOut)
	}
	out, _, code = runTool(t, "networks", "--data", db)
	if code != 0 || !strings.Contains(out, "default") || !strings.Contains(out, "east") || !strings.Contains(out, "RECORDED VEHICLES") {
		t.Fatalf("networks: %d %s", code, out)
	}
}
