package awsjson

// registerRemediation routes the remediation operations.
func (s *Server) registerRemediation() {}

// RemediationEngine is what the remediation operations need of the
// remediation engine; the remediation package implements it.
type RemediationEngine interface{}
