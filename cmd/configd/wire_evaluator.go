package main

// wireEvaluator creates the rule evaluation engine and adds it to m.engines
// and m.API.
func (m *Main) wireEvaluator() error { return nil }
