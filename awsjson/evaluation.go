package awsjson

// registerEvaluations routes the proactive resource evaluation operations.
func (s *Server) registerEvaluations() {}

// ResourceEvaluator runs proactive evaluations (StartResourceEvaluation);
// the evaluator package implements it.
type ResourceEvaluator interface{}
