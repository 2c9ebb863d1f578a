package simulator_test

import (
	"fmt"
	"net"
	"time"

	"github.com/borderwatch/borderwatch/simulator"
)

// A stepped fleet flies the built-in demo patrol for a simulated minute in
// an instant; a real-time one (Stepped false) would take a minute divided by Speedup.
func ExampleFleet() {
	gcs, _ := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}) // stands in for the ground station
	defer gcs.Close()
	sc, _ := simulator.LoadScenario("demo")
	f := &simulator.Fleet{Scenario: sc, GCS: "udp://" + gcs.LocalAddr().String(), Stepped: true}
	if err := f.Initialize(); err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	_ = f.Step(time.Minute)
	for _, v := range f.Status() {
		fmt.Printf("%d %s %s armed=%v flying=%v\n", v.SysID, v.Flavor, v.Mode, v.Armed, !v.Landed)
	}
	// Output:
	// 1 arducopter AUTO armed=true flying=true
	// 2 arducopter AUTO armed=true flying=true
	// 3 arduplane AUTO armed=true flying=true
}
