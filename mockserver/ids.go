package mockserver

import (
	"time"

	"github.com/copilotconf/copilotconf/api"
	"github.com/copilotconf/copilotconf/internal/uuid"
)

// Timestamp layouts.
const (
	// timestampLayout is the wire form of every DateTimeOffset the server
	// writes: UTC, exactly 7 fractional digits, literal Z.
	timestampLayout = api.TimestampLayout
	// errorDateLayout is innerError.date: no fraction and no offset, as Graph writes it.
	errorDateLayout = "2006-01-02T15:04:05"
	// tick is the resolution of stored timestamps (the 7th fractional digit).
	tick = 100 * time.Nanosecond
)

// newUUID returns a random version 4 UUID in lower-case canonical form.
func newUUID() string { return uuid.New() }

// formatTimestamp renders t in the wire form (UTC, 7 fractional digits, Z).
func formatTimestamp(t time.Time) string {
	return t.UTC().Format(timestampLayout)
}

// normalizeTime converts t to UTC at the stored resolution (100 ns), so the
// rendered value and the stored value compare equal in $filter.
func normalizeTime(t time.Time) time.Time {
	return t.UTC().Truncate(tick).Round(0)
}
