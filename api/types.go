package api

import (
	"strings"
	"time"
)

// The @odata.type of each resource, as odata.metadata=full writes it.
const (
	TypeSession          = "#microsoft.graph.security.securityCopilot.session"
	TypePrompt           = "#microsoft.graph.security.securityCopilot.prompt"
	TypeWorkspace        = "#microsoft.graph.security.securityCopilot.workspace"
	TypePlugin           = "#microsoft.graph.security.securityCopilot.plugin"
	TypeEvaluation       = "#microsoft.graph.security.securityCopilot.evaluation"
	TypeEvaluationResult = "#microsoft.graph.security.securityCopilot.evaluationResult"
)

// ODataType is the @odata.type of a kind of object ("session", "evaluation", as
// Operation.Creates and the schema kinds name them); "" for a kind that has none.
func ODataType(kind string) string {
	return map[string]string{"session": TypeSession, "prompt": TypePrompt, "workspace": TypeWorkspace,
		"plugin": TypePlugin, "evaluation": TypeEvaluation}[kind]
}

// EvaluationStateRank orders the documented evaluation states along the lifecycle: a later
// reading never has a lower rank than an earlier one. The sources name no final state;
// completed and cancelled are final by name, waitingForInput and deferred are not. A state
// missing from the map is not documented.
var EvaluationStateRank = map[string]int{
	"created": 0, "pending": 1, "deferred": 1, "running": 2, "waitingForInput": 2,
	"completed": 3, "cancelled": 3,
}

// FinalEvaluationState says whether an evaluation in state has finished (completed or
// cancelled) and so changes no more.
func FinalEvaluationState(state string) bool { return EvaluationStateRank[state] == 3 }

// ODataString writes s as an OData string literal for $filter: in single quotes, a quote
// doubled.
func ODataString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// TimestampLayout is the form Graph writes timestamps in: UTC, a literal Z, 7 fractional
// digits (100 ns ticks). A DateTimeOffset literal for $filter is written in it too.
const TimestampLayout = "2006-01-02T15:04:05.0000000Z"

// ODataTime writes t as a DateTimeOffset literal for $filter.
func ODataTime(t time.Time) string { return t.UTC().Format(TimestampLayout) }
