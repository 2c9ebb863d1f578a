package main

import (
	"flag"

	"github.com/borderwatch/borderwatch/tak"
)

// takOptions are serve's TAK (Cursor-on-Target) flags.
type takOptions struct {
	out     stringList // --cot
	listen  stringList // --cot-listen
	station string
}

func declareTAKFlags(fs *flag.FlagSet, o *takOptions) {
	fs.Var(&o.out, "cot", "send our drones, detections and alerts to TAK as Cursor-on-Target, repeatable: udp://239.2.3.1:6969 (ATAK's multicast group), udp://HOST:PORT, tcp://TAKSERVER:8087 (markers the TAK Server sends back appear on the map), tls://TAKSERVER:8089?cert=FILE&key=FILE&ca=FILE (client certificate; docs/tak.md)")
	fs.Var(&o.listen, "cot-listen", "receive TAK clients' markers, repeatable: udp://0.0.0.0:6969, udp://239.2.3.1:6969 (joins the group), tcp://0.0.0.0:PORT")
	fs.StringVar(&o.station, "station", "borderwatch", "this station's name in CoT uids and callsigns")
}

// takParts are the running TAK managers.
type takParts struct {
	markers  *tak.Markers
	sender   *tak.Sender
	receiver *tak.Receiver
}

// startTAK starts what the TAK flags ask for; with none it starts nothing.
func (s *server) startTAK(o takOptions) error {
	if len(o.out) == 0 && len(o.listen) == 0 {
		return nil
	}
	mapper := tak.Mapper{Station: o.station}
	s.tak.markers = &tak.Markers{Ignore: mapper.Own}
	if len(o.out) > 0 {
		s.tak.sender = &tak.Sender{URLs: o.out, Hub: s.hub, Mapper: mapper, Markers: s.tak.markers}
		if err := s.tak.sender.Initialize(); err != nil {
			s.tak.sender = nil
			return err
		}
	}
	if len(o.listen) > 0 {
		s.tak.receiver = &tak.Receiver{URLs: o.listen, Markers: s.tak.markers}
		if err := s.tak.receiver.Initialize(); err != nil {
			s.tak.receiver = nil
			return err
		}
	}
	return nil
}

func (s *server) closeTAK() {
	if s.tak.receiver != nil {
		s.tak.receiver.Close()
		s.tak.receiver = nil
	}
	if s.tak.sender != nil {
		s.tak.sender.Close()
		s.tak.sender = nil
	}
}
