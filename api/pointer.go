package api

// Int32 returns a pointer to v.
func Int32(v int32) *int32 { return &v }

// Int64 returns a pointer to v.
func Int64(v int64) *int64 { return &v }

// Bool returns a pointer to v.
func Bool(v bool) *bool { return &v }

// ToInt32 returns *p, or def when p is nil.
func ToInt32(p *int32, def int32) int32 {
	if p == nil {
		return def
	}
	return *p
}

// ToInt64 returns *p, or def when p is nil.
func ToInt64(p *int64, def int64) int64 {
	if p == nil {
		return def
	}
	return *p
}

// ToBool returns *p, or def when p is nil.
func ToBool(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}
