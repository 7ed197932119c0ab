package remediation

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the Prometheus metrics of the remediation engine. Rule names
// are labels: AWS Config caps the rules of an account (1,000 by default), so
// the cardinality stays bounded.
type Metrics struct {
	// Executions counts executions that ended, by rule, runbook and final
	// state (SUCCEEDED, FAILED; SKIPPED for executions configd ended without
	// running, which AWS reports as FAILED).
	Executions *prometheus.CounterVec
	// Attempts counts runs of a runbook, by rule, runbook and trigger
	// (automatic, manual, resumed).
	Attempts *prometheus.CounterVec
	// Retries counts automatic retries queued after a failed attempt.
	Retries *prometheus.CounterVec
	// GuardRejections counts requests refused, or automatic triggers
	// coalesced, because an execution of the rule on the resource was
	// already queued or in progress, by operation
	// (StartRemediationExecution, DeleteRemediationConfiguration, Automatic).
	GuardRejections *prometheus.CounterVec
	// ExceptionsCreated counts remediation exceptions configd put on
	// resources whose automatic attempts all failed, by rule.
	ExceptionsCreated *prometheus.CounterVec
	// Queue is the number of active executions of every scope, by state
	// (QUEUED, IN_PROGRESS), as the store last counted them.
	Queue *prometheus.GaugeVec
	// Duration observes how long executions ran, from the start of the run
	// to its end, by runbook and final state.
	Duration *prometheus.HistogramVec
	// Deferred counts starts postponed by ExecutionControls' concurrency limit.
	Deferred *prometheus.CounterVec
	// Resumed counts executions claimed again after their worker stopped
	// (lease expired), by outcome (rerun, failed).
	Resumed *prometheus.CounterVec
}

// NewMetrics returns the engine's metrics, registered with reg (nil: not
// registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Executions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "configd", Subsystem: "remediation", Name: "executions_total",
			Help: "Remediation executions that ended, by rule, runbook and final state.",
		}, []string{"rule", "runbook", "state"}),
		Attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "configd", Subsystem: "remediation", Name: "attempts_total",
			Help: "Runbook runs started, by rule, runbook and trigger (automatic, manual, resumed).",
		}, []string{"rule", "runbook", "trigger"}),
		Retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "configd", Subsystem: "remediation", Name: "retries_total",
			Help: "Automatic retries queued after a failed attempt, by rule and runbook.",
		}, []string{"rule", "runbook"}),
		GuardRejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "configd", Subsystem: "remediation", Name: "guard_rejections_total",
			Help: "Requests refused (RemediationInProgressException or FailedItems) and automatic triggers coalesced because a remediation of the resource was queued or in progress, by operation.",
		}, []string{"operation"}),
		ExceptionsCreated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "configd", Subsystem: "remediation", Name: "exceptions_created_total",
			Help: "Remediation exceptions configd created after MaximumAutomaticAttempts failures within RetryAttemptSeconds, by rule.",
		}, []string{"rule"}),
		Queue: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "configd", Subsystem: "remediation", Name: "queue_depth",
			Help: "Active remediation executions of every scope, by state (QUEUED, IN_PROGRESS).",
		}, []string{"state"}),
		Duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "configd", Subsystem: "remediation", Name: "execution_duration_seconds",
			Help:    "How long remediation executions ran, by runbook and final state.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600},
		}, []string{"runbook", "state"}),
		Deferred: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "configd", Subsystem: "remediation", Name: "deferred_total",
			Help: "Execution starts postponed by ExecutionControls' ConcurrentExecutionRatePercentage, by rule.",
		}, []string{"rule"}),
		Resumed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "configd", Subsystem: "remediation", Name: "resumed_total",
			Help: "Executions claimed again after their worker stopped (lease expired), by outcome (rerun, failed).",
		}, []string{"outcome"}),
	}
	if reg != nil {
		for _, c := range m.collectors() {
			reg.MustRegister(c)
		}
	}
	return m
}

func (m *Metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.Executions, m.Attempts, m.Retries, m.GuardRejections, m.ExceptionsCreated, m.Queue, m.Duration, m.Deferred, m.Resumed}
}

// Operations of the GuardRejections metric.
const (
	OpStart     = "StartRemediationExecution"
	OpDelete    = "DeleteRemediationConfiguration"
	OpAutomatic = "Automatic"
)

// StateSkipped is the final-state label of executions configd ended without
// running the runbook (service.Skipped).
const StateSkipped = "SKIPPED"
