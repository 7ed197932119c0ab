package managedrule

import (
	"reflect"
	"sync"
	"unsafe"
)

// The evaluator runs every rule in scope on the same configuration item, so
// one item is decoded by several rules (seven S3 rules read the same bucket
// item). decodeCache keeps recently decoded values keyed by the identity of
// the JSON text (its string data pointer and length) and the Go type decoded
// into. The entry holds the text itself, so the memory of a cached key
// cannot be reused for other text while the entry lives. Decoded values are
// shared: rules only read them.
type decodeCache struct {
	mu       sync.Mutex
	cur, old map[cacheKey]cacheEntry
	limit    int
}

type cacheKey struct {
	data *byte
	n    int
	typ  reflect.Type
}

type cacheEntry struct {
	text  string
	value reflect.Value
}

// decoded is the cache of decoded configuration, supplementary values and
// policy documents; up to 2×4096 entries.
var decoded = &decodeCache{limit: 4096}

// cacheEnabled turns the cache off for the cold-path benchmark.
var cacheEnabled = true

func keyOf(text string, typ reflect.Type) cacheKey {
	return cacheKey{unsafe.StringData(text), len(text), typ}
}

// get copies the cached value for text into v (a pointer) and reports
// whether there was one.
func (c *decodeCache) get(text string, v any) bool {
	if !cacheEnabled || text == "" {
		return false
	}
	rv := reflect.ValueOf(v).Elem()
	k := keyOf(text, rv.Type())
	c.mu.Lock()
	e, ok := c.cur[k]
	if !ok {
		e, ok = c.old[k]
	}
	c.mu.Unlock()
	if !ok {
		return false
	}
	rv.Set(e.value)
	return true
}

// put records the value v (a pointer) decoded from text. When the current
// generation is full it becomes the old one and the older is dropped.
func (c *decodeCache) put(text string, v any) {
	if !cacheEnabled || text == "" {
		return
	}
	rv := reflect.ValueOf(v).Elem()
	k := keyOf(text, rv.Type())
	// Keep a copy, so that the caller's variable is not shared.
	cp := reflect.New(rv.Type()).Elem()
	cp.Set(rv)
	c.mu.Lock()
	if c.cur == nil || len(c.cur) >= c.limit {
		c.old, c.cur = c.cur, make(map[cacheKey]cacheEntry, c.limit)
	}
	c.cur[k] = cacheEntry{text: text, value: cp}
	c.mu.Unlock()
}
