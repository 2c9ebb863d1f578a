package telemetry

import (
	"fmt"
	"strconv"
)

// VehicleID is the one identity of a vehicle: in URLs, the API, the store,
// replay and exports. A vehicle is a MAVLink system id on one MAVLink network
// (the networks a server's links name, docs/architecture.md): the same system
// id on two networks is two vehicles.
//
// The id is network number × 256 + system id. The default network is number
// 0, so with one network a vehicle's id is its system id, as it always was.
// Other networks are numbered by the store at first sight and keep their
// number across restarts (store.Networks), so ids are stable. 0 is "no
// vehicle" (fleet-wide events).
type VehicleID uint32

// MaxNetworks bounds the network number so that an id fits in 32 bits with
// room to spare; a server holds a handful of networks.
const MaxNetworks = 1 << 16

// VehicleOf is the id of system id sysid on network number network.
func VehicleOf(network uint32, sysid uint8) VehicleID {
	return VehicleID(network<<8 | uint32(sysid))
}

// SysID is the vehicle's MAVLink system id.
func (id VehicleID) SysID() uint8 { return uint8(id) }

// Network is the number of the vehicle's MAVLink network (0: the default).
func (id VehicleID) Network() uint32 { return uint32(id) >> 8 }

// String is the id in decimal, as URLs carry it.
func (id VehicleID) String() string { return strconv.FormatUint(uint64(id), 10) }

// ParseVehicleID reads a vehicle id as URLs carry it: a decimal number whose
// system id part is 1–255 (0 is broadcast, never a vehicle) and whose
// network part is below MaxNetworks. Leading zeros are refused, so that an
// id has one spelling.
func ParseVehicleID(s string) (VehicleID, error) {
	if s == "" || len(s) > 10 || (len(s) > 1 && s[0] == '0') {
		return 0, fmt.Errorf("vehicle id %q: want a number such as 1 or 259 (network × 256 + system id)", s)
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("vehicle id %q: want a number such as 1 or 259 (network × 256 + system id)", s)
	}
	id := VehicleID(n)
	if err := id.Check(); err != nil {
		return 0, err
	}
	return id, nil
}

// Check says whether id can be a vehicle's: its system id part is not 0
// (broadcast) and its network number is below MaxNetworks.
func (id VehicleID) Check() error {
	if id.SysID() == 0 {
		return fmt.Errorf("vehicle id %d: its system id part (id mod 256) is 0, which is no vehicle's", uint32(id))
	}
	if id.Network() >= MaxNetworks {
		return fmt.Errorf("vehicle id %d: network number %d is beyond %d", uint32(id), id.Network(), MaxNetworks-1)
	}
	return nil
}

// MaxNetworkName is the longest network name.
const MaxNetworkName = 32

// CheckNetworkName says whether name can name a MAVLink network: "" (the
// default network) or 1–32 of a–z, 0–9, '_' and '-'. Names are short and
// plain because they travel in link URLs, the API, logs and the UI.
func CheckNetworkName(name string) error {
	if len(name) > MaxNetworkName {
		return fmt.Errorf("network name %q is longer than %d characters", name, MaxNetworkName)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return fmt.Errorf("network name %q: only a-z, 0-9, '_' and '-' are allowed (e.g. east, net-2)", name)
		}
	}
	return nil
}
