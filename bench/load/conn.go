package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// conn is one keep-alive HTTP/1.1 connection of a worker. It writes
// pre-built requests and reads responses with net/http's parser, and redials
// when the server closes the connection.
type conn struct {
	dial    string
	timeout time.Duration
	c       net.Conn
	br      *bufio.Reader
	used    int // requests answered on c
}

func newConn(dial string, timeout time.Duration) *conn {
	return &conn{dial: dial, timeout: timeout}
}

// reply is what a round trip learned.
type reply struct {
	Status int
	// Code is the AWS error code of a non-200 answer.
	Code string
	// Body is the response body, kept only when asked for.
	Body []byte
}

// roundTrip sends req and reads the whole response. A request that fails on
// a connection that already served requests (the server closed it while
// idle) is sent once more on a new connection, as net/http's client does.
func (k *conn) roundTrip(req []byte, keepBody bool) (reply, error) {
	for attempt := 0; ; attempt++ {
		if k.c == nil {
			c, err := net.DialTimeout("tcp", k.dial, k.timeout)
			if err != nil {
				return reply{}, fmt.Errorf("dial: %w", err)
			}
			if tc, ok := c.(*net.TCPConn); ok {
				tc.SetNoDelay(true)
			}
			k.c, k.br, k.used = c, bufio.NewReaderSize(c, 32<<10), 0
		}
		reused := k.used > 0
		r, err := k.exchange(req, keepBody)
		if err == nil {
			return r, nil
		}
		k.close()
		var ne net.Error
		if !reused || attempt > 0 || errors.As(err, &ne) && ne.Timeout() {
			return reply{}, err
		}
	}
}

func (k *conn) exchange(req []byte, keepBody bool) (reply, error) {
	if err := k.c.SetDeadline(time.Now().Add(k.timeout)); err != nil {
		return reply{}, err
	}
	if _, err := k.c.Write(req); err != nil {
		return reply{}, fmt.Errorf("write: %w", err)
	}
	resp, err := http.ReadResponse(k.br, nil)
	if err != nil {
		return reply{}, fmt.Errorf("read response: %w", err)
	}
	r := reply{Status: resp.StatusCode}
	switch {
	case resp.StatusCode != http.StatusOK || keepBody:
		r.Body, err = io.ReadAll(io.LimitReader(resp.Body, 16<<20))
		if err == nil && resp.StatusCode != http.StatusOK {
			r.Code = errorCode(resp.StatusCode, resp.Header, r.Body)
		}
	default:
		_, err = io.Copy(io.Discard, resp.Body)
	}
	resp.Body.Close()
	if err != nil {
		return reply{}, fmt.Errorf("read body: %w", err)
	}
	k.used++
	if resp.Close {
		k.close()
	}
	return r, nil
}

func (k *conn) close() {
	if k.c != nil {
		k.c.Close()
		k.c, k.br = nil, nil
	}
}

// errorCode returns the AWS error code of an error response: the __type of
// the JSON body (without a namespace or URI part), or x-amzn-ErrorType, or
// the HTTP status.
func errorCode(status int, h http.Header, body []byte) string {
	var e struct {
		Type string `json:"__type"`
	}
	code := ""
	if json.Unmarshal(body, &e) == nil {
		code = e.Type
	}
	if code == "" {
		code = h.Get("X-Amzn-Errortype")
	}
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[:i]
	}
	if code == "" {
		code = fmt.Sprintf("HTTP%d", status)
	}
	return code
}
