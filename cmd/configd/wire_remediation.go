package main

// wireRemediation creates the remediation engine and adds it to m.engines
// and m.API.
func (m *Main) wireRemediation() error { return nil }
