package runbook

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// maxHTTPBody bounds the response body configd:httpRequest keeps.
const maxHTTPBody = 1 << 20

// httpRequest is configd:httpRequest, configd's own action for calling a
// team's webhook: Method (default POST with a Body, GET without), URL,
// Headers (a map) and Body (a string, or JSON for anything else, with
// Content-Type application/json unless Headers set one). A 2xx status
// succeeds; any other fails the step. The result is {"StatusCode", "Body"
// (text, at most 1 MiB), "Headers", "Json" (the body parsed, when it is
// JSON)}, so outputs can select $.Json.field.
func (x *execution) httpRequest(ctx context.Context, in map[string]any) (map[string]any, error) {
	method := strings.ToUpper(text(in["Method"]))
	var body io.Reader
	var isJSON bool
	switch b := in["Body"].(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	default:
		data, err := json.Marshal(jsonable(b))
		if err != nil {
			return nil, fmt.Errorf("Body: %w", err)
		}
		body, isJSON = strings.NewReader(string(data)), true
	}
	if method == "" {
		method = http.MethodGet
		if body != nil {
			method = http.MethodPost
		}
	}
	url := text(in["URL"])
	if !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
		return nil, fmt.Errorf("URL %q must be http:// or https://", url)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	if isJSON {
		req.Header.Set("Content-Type", "application/json")
	}
	if h, ok := in["Headers"].(map[string]any); ok {
		for k, v := range h {
			req.Header.Set(k, text(v))
		}
	}
	req.Header.Set("X-Configd-Execution-Id", x.env.ExecutionID)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxHTTPBody))
	if err != nil {
		return nil, fmt.Errorf("%s %s: read response: %w", method, url, err)
	}
	headers := map[string]any{}
	for k := range resp.Header {
		headers[k] = resp.Header.Get(k)
	}
	result := map[string]any{"StatusCode": resp.StatusCode, "Body": string(data), "Headers": headers}
	var parsed any
	if json.Unmarshal(data, &parsed) == nil {
		result["Json"] = parsed
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return result, fmt.Errorf("%s %s: status %d%s", method, url, resp.StatusCode, tail("body", string(data)))
	}
	return result, nil
}
