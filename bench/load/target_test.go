package main

import (
	"context"
	"strings"
	"testing"
)

func TestParseTarget(t *testing.T) {
	ok := []struct {
		raw, host, dial string
	}{
		{"http://127.0.0.1:4599", "127.0.0.1:4599", "127.0.0.1:4599"},
		{"http://127.0.0.1:4599/", "127.0.0.1:4599", "127.0.0.1:4599"},
		{"http://127.1.2.3:80", "127.1.2.3:80", "127.1.2.3:80"},
		{"http://[::1]:8080", "[::1]:8080", "[::1]:8080"},
	}
	for _, c := range ok {
		t.Run("OK", func(t *testing.T) {
			tg, err := ParseTarget(context.Background(), c.raw)
			if err != nil {
				t.Fatalf("ParseTarget(%q): %v", c.raw, err)
			}
			if tg.Host != c.host || tg.Dial != c.dial {
				t.Errorf("ParseTarget(%q) = %+v; want host %q dial %q", c.raw, tg, c.host, c.dial)
			}
		})
	}
	bad := []struct {
		name, raw, want string
	}{
		{"ErrRemoteIP", "http://10.0.0.1:4599", "not a loopback"},
		{"ErrPublicIP", "http://8.8.8.8:80", "not a loopback"},
		{"ErrHostname", "http://config.us-east-1.amazonaws.com:443", "not a loopback"},
		{"ErrUnspecified", "http://0.0.0.0:4599", "not a loopback"},
		{"ErrHTTPS", "https://127.0.0.1:4599", "http://"},
		{"ErrNoPort", "http://127.0.0.1", "port"},
		{"ErrPath", "http://127.0.0.1:1/x", "only scheme"},
		{"ErrUserinfo", "http://u:p@127.0.0.1:1", "only scheme"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseTarget(context.Background(), c.raw)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("ParseTarget(%q) = %v; want an error containing %q", c.raw, err, c.want)
			}
		})
	}
}
