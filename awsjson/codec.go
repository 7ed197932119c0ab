package awsjson

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"

	"github.com/configd/configd"
	"github.com/configd/configd/api"
)

// decode reads body into in and validates it against the model. An empty
// body is an empty object, as the SDKs send `{}` for inputs with no members.
func decode(body []byte, in api.Input) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		body = []byte("{}")
	}
	if body[0] != '{' {
		return configd.Errorf(configd.ErrSerialization, "The request body must be a JSON object.")
	}
	if err := json.Unmarshal(body, in); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te):
			field := te.Field
			if field == "" {
				field = "the request"
			}
			return configd.Errorf(configd.ErrSerialization, "Cannot deserialize %s: expected %s, found a JSON %s.", field, kindOf(te.Type.String()), te.Value)
		case errors.As(err, &se):
			return configd.Errorf(configd.ErrSerialization, "The request body is not valid JSON (at byte %d).", se.Offset)
		default:
			return configd.Errorf(configd.ErrSerialization, "The request body does not match the input shape: %s", sanitize(err.Error()))
		}
	}
	return in.Validate()
}

func kindOf(goType string) string {
	switch {
	case len(goType) > 2 && goType[:2] == "[]":
		return "a list"
	case len(goType) > 3 && goType[:3] == "map":
		return "a map"
	case goType == "string":
		return "a string"
	case goType == "bool" || goType == "*bool":
		return "a boolean"
	case goType == "int32" || goType == "int64":
		return "a number"
	}
	return "a structure"
}

// sanitize keeps error texts short and free of control characters.
func sanitize(s string) string {
	if len(s) > 200 {
		s = s[:200]
	}
	return string(bytes.Map(func(r rune) rune {
		if r < 0x20 {
			return ' '
		}
		return r
	}, []byte(s)))
}

// op adapts a typed handler to the router: it decodes and validates the
// input, then calls fn.
func op[T any, PT interface {
	*T
	api.Input
}, O any](fn func(ctx context.Context, req *Request, in PT) (O, error)) handler {
	return func(ctx context.Context, req *Request, body []byte) (any, error) {
		in := PT(new(T))
		if err := decode(body, in); err != nil {
			return nil, err
		}
		return fn(ctx, req, in)
	}
}

// empty is the body of operations with no output.
type empty struct{}

// AppendJSON writes {}, as encoding/json does (api.Appender).
func (empty) AppendJSON(b []byte) []byte { return append(b, '{', '}') }

// limitOf returns the page size of a request: def when unset or 0 (AWS
// treats 0 as the default), else the value, which validation has bounded.
func limitOf(p *int32, def int) int {
	if p == nil || *p == 0 {
		return def
	}
	return int(*p)
}

// fingerprint is a stable text of a request's filters, binding a NextToken
// to the query it continues.
func fingerprint(parts ...any) string {
	b, _ := json.Marshal(parts)
	return string(b)
}

func (s *Server) openToken(req *Request, query, token string) (string, error) {
	if token == "" {
		return "", nil
	}
	return s.Tokens.Open(req.Operation, req.Scope, query, token)
}

func (s *Server) sealToken(req *Request, query, cursor string) string {
	return s.Tokens.Seal(req.Operation, req.Scope, query, cursor)
}
