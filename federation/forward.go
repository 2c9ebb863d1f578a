package federation

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

// Forwarded is a request a headquarters user made of a station's vehicle,
// as the station runs it: through its own route table, with the user's name
// and role as the HQ vouches for them.
type Forwarded struct {
	// HQ is the name of the headquarters that sent it.
	HQ string `json:"hq"`
	// User and Role are the HQ user's name and role.
	User string `json:"user"`
	Role string `json:"role"`
	// Method, Path and ContentType are those of the station's own API
	// (e.g. POST /api/v1/vehicles/3/commands).
	Method      string `json:"method"`
	Path        string `json:"path"`
	ContentType string `json:"content_type,omitempty"`
	Body        []byte `json:"body,omitempty"`
	// ID and Time make each request unique, so that a captured one cannot
	// be played again.
	ID   string    `json:"id"`
	Time time.Time `json:"time"`
}

// Reply is the station's answer to a Forwarded request: the status and the
// body its API gave.
type Reply struct {
	Status      int    `json:"status"`
	ContentType string `json:"content_type,omitempty"`
	Body        []byte `json:"body,omitempty"`
}

// Executor runs a forwarded request as the station's own API would run it
// for a local user of that role (the web server implements it).
type Executor interface {
	ServeForwarded(ctx context.Context, f Forwarded) Reply
}

// ForwardRoutes are the station routes a headquarters may call: commands
// and plan transfers of one vehicle. Everything else stays local.
var ForwardRoutes = []string{
	"POST /api/v1/vehicles/{id}/commands",
	"PUT /api/v1/vehicles/{id}/plan",
	"GET /api/v1/vehicles/{id}/plan",
}

// forwardable says whether method and path match one of ForwardRoutes.
func forwardable(method, path string) bool {
	path, _, _ = strings.Cut(path, "?")
	segs := strings.Split(path, "/")
	for _, r := range ForwardRoutes {
		m, p, _ := strings.Cut(r, " ")
		if m != method {
			continue
		}
		ps := strings.Split(p, "/")
		if len(ps) != len(segs) {
			continue
		}
		ok := true
		for i := range ps {
			if strings.HasPrefix(ps[i], "{") {
				ok = segs[i] != "" && segs[i] != "." && segs[i] != ".." && !strings.ContainsAny(segs[i], "#%")
			} else if ps[i] != segs[i] {
				ok = false
			}
			if !ok {
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// Headers of a forwarded request: the HQ's public key and its signature
// (base64) over the body of the NATS message.
const (
	hdrKey = "Bw-Hq-Key"
	hdrSig = "Bw-Hq-Sig"
)

// maxForwardAge bounds how old (or how far in the future, for clocks that
// disagree) a forwarded request may be.
const maxForwardAge = 2 * time.Minute

func checkPublicKey(k string) error {
	if !nkeys.IsValidPublicUserKey(k) {
		return fmt.Errorf("federation: %q is not an nkey user public key (U…; make a key pair with `nk -gen user -pubout` or `nsc`)", k)
	}
	return nil
}

// replayCache remembers the ids of recent forwarded requests.
type replayCache struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

// fresh records id and says whether it was not seen before; it forgets ids
// older than maxForwardAge (older requests are refused by time anyway).
func (c *replayCache) fresh(id string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = map[string]time.Time{}
	}
	for k, t := range c.seen {
		if now.Sub(t) > 2*maxForwardAge {
			delete(c.seen, k)
		}
	}
	if _, ok := c.seen[id]; ok {
		return false
	}
	c.seen[id] = now
	return true
}

// handleRPC checks and runs one forwarded request. Every refusal is an
// answer with a status and a reason, never silence.
func (s *Station) handleRPC(m *nats.Msg) {
	rep := s.runRPC(m)
	if rep.Status >= 400 && rep.Status != http.StatusGatewayTimeout {
		s.forwardRefused.Add(1)
	}
	data, _ := json.Marshal(rep)
	if err := m.Respond(data); err != nil {
		s.Logger.Warn("federation: answering a forwarded request", "err", err)
	}
}

func refuse(status int, msg string) Reply {
	b, _ := json.Marshal(map[string]string{"error": msg})
	return Reply{Status: status, ContentType: "application/json", Body: b}
}

func (s *Station) runRPC(m *nats.Msg) Reply {
	key := m.Header.Get(hdrKey)
	trusted := false
	for _, k := range s.TrustedHQ {
		trusted = trusted || k == key
	}
	if !trusted {
		return refuse(http.StatusForbidden, fmt.Sprintf("station %s does not trust headquarters key %q (--hq-trust)", s.Name, key))
	}
	sig, err := base64.StdEncoding.DecodeString(m.Header.Get(hdrSig))
	if err != nil {
		return refuse(http.StatusForbidden, "forwarded request without a valid signature")
	}
	pub, err := nkeys.FromPublicKey(key)
	if err != nil || pub.Verify(m.Data, sig) != nil {
		return refuse(http.StatusForbidden, "forwarded request's signature does not match its key")
	}
	var f Forwarded
	if err := json.Unmarshal(m.Data, &f); err != nil {
		return refuse(http.StatusBadRequest, "forwarded request is not valid JSON: "+err.Error())
	}
	now := s.Clock()
	if d := now.Sub(f.Time); d > maxForwardAge || d < -maxForwardAge {
		return refuse(http.StatusForbidden, fmt.Sprintf("forwarded request is %s old; the limit is %s (are the clocks synchronised?)", d.Round(time.Second), maxForwardAge))
	}
	if f.ID == "" || !s.replays.fresh(f.ID, now) {
		return refuse(http.StatusForbidden, "forwarded request was seen before (a replay?)")
	}
	if f.User == "" || f.HQ == "" {
		return refuse(http.StatusBadRequest, "forwarded request names no user or headquarters")
	}
	if !forwardable(f.Method, f.Path) {
		return refuse(http.StatusForbidden, fmt.Sprintf("a headquarters may not call %s %s here (only %s)", f.Method, f.Path, strings.Join(ForwardRoutes, ", ")))
	}
	if s.Executor == nil {
		return refuse(http.StatusServiceUnavailable, "station "+s.Name+" runs no forwarded requests")
	}
	s.forwarded.Add(1)
	return s.Executor.ServeForwarded(s.ctx, f)
}

// Forward sends a request to a station and waits for its answer. The key
// (an nkey user seed) signs it; the station must trust its public key.
func Forward(ctx context.Context, nc *nats.Conn, key nkeys.KeyPair, station string, f Forwarded) (Reply, error) {
	if err := CheckName("station", station); err != nil {
		return Reply{}, err
	}
	if key == nil {
		return Reply{}, errors.New("federation: this headquarters has no key to sign forwarded requests (--hq-key)")
	}
	pub, err := key.PublicKey()
	if err != nil {
		return Reply{}, err
	}
	if f.ID == "" {
		f.ID = nats.NewInbox()[len(nats.InboxPrefix):]
	}
	data, err := json.Marshal(f)
	if err != nil {
		return Reply{}, err
	}
	sig, err := key.Sign(data)
	if err != nil {
		return Reply{}, err
	}
	msg := &nats.Msg{Subject: rpcSubject(station), Data: data, Header: nats.Header{}}
	msg.Header.Set(hdrKey, pub)
	msg.Header.Set(hdrSig, base64.StdEncoding.EncodeToString(sig))
	res, err := nc.RequestMsgWithContext(ctx, msg)
	if err != nil {
		if errors.Is(err, nats.ErrNoResponders) {
			return Reply{}, fmt.Errorf("%w: station %s is not connected to NATS", ErrStationUnreachable, station)
		}
		return Reply{}, fmt.Errorf("%w: station %s: %v", ErrStationUnreachable, station, err)
	}
	var rep Reply
	if err := json.Unmarshal(res.Data, &rep); err != nil {
		return Reply{}, fmt.Errorf("federation: station %s answered something that is not a reply: %w", station, err)
	}
	return rep, nil
}

// ErrStationUnreachable: the station did not answer (not connected, or too slow).
var ErrStationUnreachable = errors.New("station unreachable")
