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
	if id.SysID() == 0 {
		return 0, fmt.Errorf("vehicle id %d: its system id part (id mod 256) is 0, which is no vehicle's", n)
	}
	if id.Network() >= MaxNetworks {
		return 0, fmt.Errorf("vehicle id %d: network number %d is beyond %d", n, id.Network(), MaxNetworks-1)
	}
	return id, nil
}
