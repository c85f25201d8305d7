package mockserver

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// Timestamp layouts.
const (
	// timestampLayout is the wire form of every DateTimeOffset the server
	// writes: UTC, exactly 7 fractional digits, literal Z.
	timestampLayout = "2006-01-02T15:04:05.0000000Z"
	// errorDateLayout is innerError.date: no fraction and no offset, as Graph writes it.
	errorDateLayout = "2006-01-02T15:04:05"
	// tick is the resolution of stored timestamps (the 7th fractional digit).
	tick = 100 * time.Nanosecond
)

// newUUID returns a random (version 4, RFC 9562 variant) UUID in lower-case
// canonical form.
func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand.Read never returns an error on supported platforms.
		panic("mockserver: crypto/rand failed: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // variant 10
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:36], b[10:16])
	return string(s[:])
}

// formatTimestamp renders t in the wire form (UTC, 7 fractional digits, Z).
func formatTimestamp(t time.Time) string {
	return t.UTC().Format(timestampLayout)
}

// normalizeTime converts t to UTC at the stored resolution (100 ns), so the
// rendered value and the stored value compare equal in $filter.
func normalizeTime(t time.Time) time.Time {
	return t.UTC().Truncate(tick).Round(0)
}
