package tak

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/telemetry"
)

// testCA is a certificate authority made for one test, as a TAK Server's
// makeCert.sh makes one for a deployment.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

var serial int64

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial++
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue signs a leaf certificate for a server (on 127.0.0.1) or a client,
// and returns it with its key as PEM.
func (ca *testCA) issue(t *testing.T, cn string, server bool) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial++
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// takTLSServer is a TAK Server's TLS input on loopback: it demands a client
// certificate signed by ca, and hands each verified connection's client
// name and first event to the test. Handshake failures go to refused.
func takTLSServer(t *testing.T, ca *testCA) (addr string, got chan [2]string, refused chan error) {
	t.Helper()
	certPEM, keyPEM := ca.issue(t, "takserver", true)
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{pair}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got, refused = make(chan [2]string, 4), make(chan error, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				tc := c.(*tls.Conn)
				_ = tc.SetDeadline(time.Now().Add(20 * time.Second))
				if err := tc.Handshake(); err != nil {
					refused <- err
					return
				}
				sc := scanEvents(tc)
				if sc.Scan() {
					got <- [2]string{tc.ConnectionState().PeerCertificates[0].Subject.CommonName, string(sc.Bytes())}
				}
			}()
		}
	}()
	return ln.Addr().String(), got, refused
}

// Our events reach a TAK Server's TLS input that verifies our client
// certificate, and decode (with an independent parser) to what we sent; a
// client certificate from another CA is refused by the server and a server
// whose certificate our CA did not sign is refused by us.
func TestSender_TLS_ClientCertVerifiedEventsDecoded(t *testing.T) {
	dir := t.TempDir()
	ca := newTestCA(t, "TAK test CA")
	addr, got, refused := takTLSServer(t, ca)
	cert, key := ca.issue(t, "borderwatch-nogales", false)
	certFile, keyFile := writeFile(t, dir, "client.pem", cert), writeFile(t, dir, "client-key.pem", key)
	caFile := writeFile(t, dir, "ca.pem", ca.pem)

	hub := &telemetry.Hub{}
	clk := &clock{t: t0}
	s := &Sender{URLs: []string{"tls://" + addr + "?cert=" + certFile + "&key=" + keyFile + "&ca=" + caFile}, Hub: hub, Mapper: Mapper{Station: "nogales"}, Now: clk.now}
	if err := s.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hub.Publish(drone())
	select {
	case g := <-got:
		if g[0] != "borderwatch-nogales" {
			t.Fatalf("the server verified a client named %q", g[0])
		}
		ds := decodeIndependently(t, [][]byte{[]byte(g[1])})
		d := ds[0]
		if d.Attrs["uid"] != "borderwatch.nogales.drone.2" || d.Attrs["type"] != TypeOurDrone || d.Point["lat"] != "31.3401" ||
			d.Point["lon"] != "-110.9402" || d.Detail["contact"]["callsign"] != "nogales drone 2" || d.Detail["status"]["battery"] != "76" {
			t.Fatalf("the TAK Server decoded %+v", d)
		}
	case err := <-refused:
		t.Fatalf("the TAK Server refused our certificate: %v", err)
	case <-time.After(15 * time.Second):
		t.Fatal("the TAK Server got nothing")
	}

	// A client certificate another CA signed: the server refuses it.
	other := newTestCA(t, "someone else's CA")
	cert2, key2 := other.issue(t, "intruder", false)
	rogue := &Sender{URLs: []string{"tls://" + addr + "?cert=" + writeFile(t, dir, "rogue.pem", cert2) + "&key=" + writeFile(t, dir, "rogue-key.pem", key2) + "&ca=" + caFile},
		Hub: hub, Mapper: Mapper{Station: "rogue"}, Now: clk.now}
	if err := rogue.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer rogue.Close()
	hub.Publish(drone())
	select {
	case err := <-refused:
		if !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("refused for %v, want the client certificate", err)
		}
	case g := <-got:
		if g[0] == "intruder" {
			t.Fatal("the server accepted a client certificate from another CA")
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the rogue client was neither refused nor accepted")
	}

	// Our CA does not know the server's certificate: we refuse to send.
	otherCA := writeFile(t, dir, "other-ca.pem", other.pem)
	wary := &Sender{URLs: []string{"tls://" + addr + "?cert=" + certFile + "&key=" + keyFile + "&ca=" + otherCA}, Hub: hub, Mapper: Mapper{Station: "wary"}, Now: clk.now}
	if err := wary.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer wary.Close()
	testenv.Eventually(t, 15*time.Second, "a server our CA did not sign refused", func() bool { return wary.Stats().Outputs[0].Errors > 0 })
	if wary.Stats().Outputs[0].Written != 0 {
		t.Fatal("an event was written to a server our CA did not sign")
	}
}

// A tls:// output without its files, with a bad file or an unknown
// parameter is refused at start with what to do.
func TestSender_TLS_BadConfigRefused(t *testing.T) {
	dir := t.TempDir()
	ca := newTestCA(t, "CA")
	cert, key := ca.issue(t, "c", false)
	c, k, a := writeFile(t, dir, "c.pem", cert), writeFile(t, dir, "k.pem", key), writeFile(t, dir, "ca.pem", ca.pem)
	notPEM := writeFile(t, dir, "x.txt", []byte("not a certificate"))
	for _, tc := range []struct{ url, want string }{
		{"tls://127.0.0.1:8089", "needs a client certificate"},
		{"tls://127.0.0.1:8089?cert=" + c + "&key=" + k, "needs a client certificate"},
		{"tls://127.0.0.1:8089?cert=" + c + "&key=" + c + "&ca=" + a, "loading the client certificate"},
		{"tls://127.0.0.1:8089?cert=" + c + "&key=" + k + "&ca=" + notPEM, "holds no PEM certificate"},
		{"tls://127.0.0.1:8089?cert=" + c + "&key=" + k + "&ca=" + filepath.Join(dir, "missing.pem"), "reading the CA file"},
		{"tls://127.0.0.1:8089?cert=" + c + "&key=" + k + "&ca=" + a + "&insecure=1", `unknown parameter "insecure"`},
		{"tls://127.0.0.1?cert=" + c + "&key=" + k + "&ca=" + a, "missing port"},
	} {
		s := &Sender{URLs: []string{tc.url}, Hub: &telemetry.Hub{}}
		err := s.Initialize()
		if err == nil {
			s.Close()
			t.Errorf("%s: accepted", tc.url)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.url, err, tc.want)
		}
	}
}
