package main

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// Target is the system a run drives: one server, or several processes
// serving as one system; always on loopback addresses.
type Target struct {
	// Host is what the Host header and the signature name (host:port).
	Host string
	// Dial is the address connections go to (a loopback IP and port).
	Dial string
	// Spread, when the system is several processes, holds the address of
	// each (Dial is the first): worker w connects to Spread[w mod n], as a
	// TCP load balancer spreads connections. Every request names, and is
	// signed for, Host (the first process's host:port), as requests through
	// a balancer name the balancer: the servers check signatures against
	// the Host header they receive, so each accepts them.
	Spread []string
}

// dialFor returns the address worker w connects to.
func (t Target) dialFor(w int) string {
	if len(t.Spread) == 0 {
		return t.Dial
	}
	return t.Spread[w%len(t.Spread)]
}

// ParseTargets parses a comma-separated list of URLs, each checked by
// ParseTarget: one system served by the processes at those URLs.
func ParseTargets(ctx context.Context, raw string) (Target, error) {
	parts := strings.Split(raw, ",")
	var t Target
	for i, p := range parts {
		one, err := ParseTarget(ctx, strings.TrimSpace(p))
		if err != nil {
			return Target{}, err
		}
		if i == 0 {
			t = one
		}
		if len(parts) > 1 {
			t.Spread = append(t.Spread, one.Dial)
		}
	}
	return t, nil
}

// ParseTarget checks that raw is an http:// URL of a loopback host and
// returns where to connect. It refuses any other host, so that the load
// generator can never be pointed at a remote service; "localhost" is
// accepted only if it resolves to loopback addresses alone.
func ParseTarget(ctx context.Context, raw string) (Target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Target{}, fmt.Errorf("target %q: %w", raw, err)
	}
	if u.Scheme != "http" {
		return Target{}, fmt.Errorf("target %q: want an http:// URL", raw)
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.User != nil {
		return Target{}, fmt.Errorf("target %q: want only scheme, host and port", raw)
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		return Target{}, fmt.Errorf("target %q: a port is required", raw)
	}
	ip := net.ParseIP(host)
	switch {
	case ip != nil:
		if !ip.IsLoopback() {
			return Target{}, fmt.Errorf("target %q: %s is not a loopback address; the load generator drives loopback targets only", raw, host)
		}
	case host == "localhost":
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
		if err != nil || len(ips) == 0 {
			return Target{}, fmt.Errorf("target %q: resolve localhost: %v", raw, err)
		}
		for _, a := range ips {
			if !a.IP.IsLoopback() {
				return Target{}, fmt.Errorf("target %q: localhost resolves to %s, not a loopback address", raw, a.IP)
			}
		}
		ip = ips[0].IP
	default:
		return Target{}, fmt.Errorf("target %q: %s is not a loopback address; the load generator drives loopback targets only", raw, host)
	}
	return Target{Host: u.Host, Dial: net.JoinHostPort(ip.String(), port)}, nil
}
