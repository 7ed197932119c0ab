// Package awsjson is configd's AWS JSON 1.1 edge: it routes
// `X-Amz-Target: StarlingDoveService.<Operation>` requests, authenticates
// them, decodes and validates their bodies against the generated wire types
// of package api, calls the service, and writes responses and errors exactly
// as AWS Config does (https://docs.aws.amazon.com/config/latest/APIReference/CommonErrors.html).
// It is the only package that knows HTTP status codes and the
// {"__type","message"} error body.
package awsjson

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/api"
	"github.com/configd/configd/pagetoken"
	"github.com/configd/configd/service"
)

// TargetPrefix is AWS Config's JSON target prefix.
const TargetPrefix = "StarlingDoveService."

// ContentType is the media type of requests and responses.
const ContentType = "application/x-amz-json-1.1"

// DefaultMaxBodyBytes bounds a request body. AWS Config's largest inputs
// (a conformance pack template body, PutResourceConfig's configuration) stay
// far below it.
const DefaultMaxBodyBytes = 4 << 20

// Authenticator decides which account and region a request acts in.
type Authenticator interface {
	// Authenticate verifies the request and returns its scope, or a
	// *configd.Error with AWS's authentication error code.
	Authenticate(r *http.Request, body []byte) (configd.Scope, error)
}

// Request is what a handler knows of the call besides its input.
type Request struct {
	Scope     configd.Scope
	Operation string
	RequestID string
}

// Server serves the AWS Config API.
type Server struct {
	Service *service.Service
	Auth    Authenticator
	Tokens  *pagetoken.Codec
	Logger  *slog.Logger
	// MaxBodyBytes defaults to DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Emulator enables POST /moto-api/reset.
	Emulator bool
	// Extra routes mounted beside the API (for /metrics).
	Extra map[string]http.Handler
	// Extensions are configd's own operations, served like AWS's (signed,
	// scoped) under targets outside AWS Config's prefix, such as
	// "Configd.PollRecorders".
	Extensions map[string]Extension
	// Evaluations serves the proactive evaluation operations (may be nil).
	Evaluations ResourceEvaluator
	// Remediation serves the remediation operations (may be nil).
	Remediation RemediationEngine

	handlers map[string]handler
}

type handler func(ctx context.Context, req *Request, body []byte) (any, error)

// Extension is the handler of a configd extension operation.
type Extension func(ctx context.Context, req *Request, body []byte) (any, error)

// NewServer returns a Server with every operation of the model routed.
func NewServer(s *Server) *Server {
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.MaxBodyBytes == 0 {
		s.MaxBodyBytes = DefaultMaxBodyBytes
	}
	s.handlers = map[string]handler{}
	s.registerRecorder()
	s.registerDelivery()
	s.registerRetention()
	s.registerResource()
	s.registerTags()
	s.registerRules()
	s.registerEvaluations()
	s.registerRemediation()
	s.registerQueries()
	s.registerAggregators()
	s.registerConformancePacks()
	s.registerAggregateCompliance()
	s.registerOrganization()
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := service.NewUUID()
	w.Header().Set("x-amzn-RequestId", reqID)
	switch {
	case r.URL.Path == "/health" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		s.health(w, r)
		return
	case r.URL.Path == "/moto-api/reset" && r.Method == http.MethodPost && s.Emulator:
		s.reset(w, r)
		return
	}
	if h, ok := s.Extra[r.URL.Path]; ok {
		h.ServeHTTP(w, r)
		return
	}
	target := r.Header.Get("X-Amz-Target")
	if r.Method != http.MethodPost || target == "" {
		// AWS answers a request without a target like an unknown operation.
		s.writeError(w, r, reqID, "", configd.Errorf(configd.ErrUnknownOperation, "No operation specified in the X-Amz-Target header."))
		return
	}
	op, ok := strings.CutPrefix(target, TargetPrefix)
	ext := s.Extensions[target]
	if ext != nil {
		op = target
	} else if !ok || api.Operations[op] == nil {
		s.writeError(w, r, reqID, "", configd.Errorf(configd.ErrUnknownOperation, "The operation %q is not supported by AWS Config.", target))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.writeError(w, r, reqID, op, configd.Errorf(configd.ErrRequestEntityTooLarge, "Request body is larger than %d bytes.", s.MaxBodyBytes))
			return
		}
		s.writeError(w, r, reqID, op, configd.Errorf(configd.ErrSerialization, "Could not read the request body."))
		return
	}
	scope, err := s.Auth.Authenticate(r, body)
	if err != nil {
		s.writeError(w, r, reqID, op, err)
		return
	}
	req := &Request{Scope: scope, Operation: op, RequestID: reqID}
	h := s.handlers[op]
	if ext != nil {
		h = handler(ext)
	}
	if h == nil {
		// Input errors first, as for any operation; then say what is missing.
		err := decode(body, api.Operations[op].NewInput())
		if err == nil {
			err = configd.Errorf(configd.ErrNotImplemented, "configd does not implement the AWS Config operation %s yet.", op)
		}
		s.writeError(w, r, reqID, op, err)
		return
	}
	start := time.Now()
	out, err := h(r.Context(), req, body)
	if err != nil {
		s.writeError(w, r, reqID, op, err)
		return
	}
	s.writeJSON(w, http.StatusOK, out)
	s.Logger.Debug("request", "op", op, "scope", scope.String(), "request_id", reqID, "duration", time.Since(start))
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if err := s.Service.Store().Ping(ctx); err != nil {
		s.Logger.Error("health check failed", "err", err)
		s.writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		return
	}
	s.writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) reset(w http.ResponseWriter, r *http.Request) {
	if err := s.Service.Store().Reset(r.Context()); err != nil {
		s.Logger.Error("reset failed", "err", err)
		s.writeJSON(w, http.StatusInternalServerError, map[string]string{"status": "error"})
		return
	}
	s.writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// responseBuffers holds the buffers responses are encoded into, so that a
// response of hundreds of kilobytes (BatchGetResourceConfig of 100 items)
// costs neither an allocation of its size nor the garbage collection of it.
var responseBuffers = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledBuffer is the largest buffer put back in responseBuffers; a rare
// huge response does not stay in memory.
const maxPooledBuffer = 1 << 20

func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	bp := responseBuffers.Get().(*[]byte)
	var body []byte
	if a, ok := v.(api.Appender); ok {
		// The generated encoders write what encoding/json would, faster
		// (api/encode_test.go compares them on every shape).
		body = a.AppendJSON((*bp)[:0])
	} else {
		buf := bytes.NewBuffer((*bp)[:0])
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			s.Logger.Error("encode response", "err", err)
			status = http.StatusInternalServerError
			buf.Reset()
			buf.WriteString(`{"__type":"InternalFailure","message":"An internal error occurred."}`)
		}
		body = bytes.TrimRight(buf.Bytes(), "\n")
	}
	h := w.Header()
	h.Set("Content-Type", ContentType)
	// A known length spares net/http the chunked encoding of bodies larger
	// than its buffer.
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
	if cap(body) <= maxPooledBuffer {
		*bp = body[:0]
		responseBuffers.Put(bp)
	}
}

// statusOf maps an error code to its HTTP status as AWS Config serves it:
// 400 for client errors, 403 for a missing token, 413 for a body too large,
// 500 for internal failures, 503 when unavailable. AccessDeniedException,
// which configd sends for a change to a conformance pack's rule, is a 400:
// AWS's answer to that request reads "Status Code: 400; Error Code:
// AccessDeniedException" (the conformance pack troubleshooting page of the
// AWS Config developer guide).
func statusOf(code string) int {
	switch code {
	case configd.ErrInternalFailure:
		return http.StatusInternalServerError
	case configd.ErrServiceUnavailable:
		return http.StatusServiceUnavailable
	case configd.ErrMissingAuthenticationToken, configd.ErrAccessDenied, configd.ErrInvalidSignature, configd.ErrUnrecognizedClient, configd.ErrIncompleteSignature:
		if code == configd.ErrMissingAuthenticationToken {
			return http.StatusForbidden
		}
		return http.StatusBadRequest
	case configd.ErrRequestEntityTooLarge:
		return http.StatusRequestEntityTooLarge
	case configd.ErrNotImplemented:
		return http.StatusNotImplemented
	}
	return http.StatusBadRequest
}

// writeError writes err as AWS's error body. Internal errors are logged with
// their cause and reach the client only as InternalFailure.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, reqID, op string, err error) {
	code, msg := configd.ErrorCode(err), configd.ErrorMessage(err)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		if r.Context().Err() != nil {
			code, msg = configd.ErrServiceUnavailable, "The request was cancelled or timed out."
		}
	}
	status := statusOf(code)
	if status >= 500 {
		s.Logger.Error("request failed", "op", op, "request_id", reqID, "code", code, "err", err)
	} else {
		s.Logger.Debug("request refused", "op", op, "request_id", reqID, "code", code, "message", msg)
	}
	s.writeJSON(w, status, errorBody{code, msg})
}

// errorBody is AWS's error body, {"__type":"<code>","message":"<message>"}.
type errorBody struct{ code, message string }

func (e errorBody) AppendJSON(b []byte) []byte {
	b = append(b, `{"__type":`...)
	b = api.AppendString(b, e.code)
	b = append(b, `,"message":`...)
	b = api.AppendString(b, e.message)
	return append(b, '}')
}
