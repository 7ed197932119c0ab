package awsjson

func (s *Server) registerAggregators() {}
