package apptest

import (
	"io"
	"net"
	"sync"
	"testing"
)

// Proxy stands between Vigie and the NATS server, so that a test can take
// the server away and bring it back (a network cut) without stopping the
// server other tests use.
type Proxy struct {
	target string
	Addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	p := &Proxy{target: target}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.Addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.Down)
	return p
}

func (p *Proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(s, c); s.Close() }()
			go func() { _, _ = io.Copy(c, s); c.Close() }()
		}
	}()
}

// Down refuses new connections and cuts the open ones.
func (p *Proxy) Down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *Proxy) Up(t testing.TB) {
	ln, err := net.Listen("tcp", p.Addr)
	if err != nil {
		t.Fatalf("listening again on %s: %v", p.Addr, err)
	}
	p.serve(ln)
}
