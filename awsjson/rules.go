package awsjson

// registerRules routes the Config rule and compliance operations.
func (s *Server) registerRules() {}
