package tak

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"os"
)

// A TAK Server's TLS input (port 8089 by default) asks every client for a
// certificate its CA signed, and presents one signed by the same CA:
//
//	tls://takserver:8089?cert=client.pem&key=client-key.pem&ca=truststore-ca.pem[&server_name=NAME]
//
// cert and key are PEM files (TAK Server's tools give .p12: convert with
// `openssl pkcs12 -in user.p12 -out user.pem -clcerts -nokeys` and
// `… -nocerts -nodes -out user-key.pem`), ca is the PEM of the CA that signed
// the server's certificate (the truststore). server_name is the name to
// check the server's certificate against; it defaults to the URL's host.
// The files are read once, at start, so a mistake stops the server with a
// message instead of a silent retry loop. The key file is never logged; the
// URL holds only file names.

// tlsConfig builds the client TLS configuration of a tls:// URL.
func tlsConfig(raw string, u *url.URL) (*tls.Config, error) {
	q := u.Query()
	for k := range q {
		switch k {
		case "cert", "key", "ca", "server_name":
		default:
			return nil, fmt.Errorf("tak: --cot %q: unknown parameter %q; want cert, key, ca and optionally server_name", raw, k)
		}
	}
	cert, key, ca := q.Get("cert"), q.Get("key"), q.Get("ca")
	if cert == "" || key == "" || ca == "" {
		return nil, fmt.Errorf("tak: --cot %q: a TAK Server's TLS input needs a client certificate: add ?cert=CLIENT.pem&key=CLIENT-KEY.pem&ca=SERVER-CA.pem (PEM files; docs/tak.md)", raw)
	}
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		return nil, fmt.Errorf("tak: --cot %q: loading the client certificate %s and key %s: %w", raw, cert, key, err)
	}
	pem, err := os.ReadFile(ca)
	if err != nil {
		return nil, fmt.Errorf("tak: --cot %q: reading the CA file: %w", raw, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("tak: --cot %q: %s holds no PEM certificate (a TAK truststore .p12 converts with `openssl pkcs12 -in truststore.p12 -nokeys -out ca.pem`)", raw, ca)
	}
	name := q.Get("server_name")
	if name == "" {
		name, _, _ = net.SplitHostPort(u.Host)
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, RootCAs: pool, ServerName: name, MinVersion: tls.VersionTLS12}, nil
}
