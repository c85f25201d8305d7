package mockserver

import (
	"strings"
	"time"
)

// Entity schemas: the property lists used by rendering, $select and
// $filter, and the view of stored entities that $filter evaluates.

// fieldKind is the type of a filterable property.
type fieldKind int

const (
	kindString fieldKind = iota
	kindDateTime
	kindEnum
	kindBool // compared as the strings "true" and "false"
)

type field struct {
	name string // canonical name
	kind fieldKind
	enum []string // members, for kindEnum
	// contains says whether the contains function applies (documented for plugin names only).
	contains bool
}

// entitySchema describes one entity type for $filter and $select.
type entitySchema struct {
	name       string
	properties []string         // rendered properties, in wire order
	filterable map[string]field // lower-cased name → field
	navigation map[string]bool  // lower-cased navigation property names
}

var promptTypes = []string{"unknown", "context", "prompt", "skill", "feedback", "unknownFutureValue"}

var sessionSchema = &entitySchema{
	name:       "session",
	properties: []string{"id", "createdDateTime", "lastModifiedDateTime", "displayName"},
	filterable: map[string]field{
		"id":                   {name: "id", kind: kindString},
		"displayname":          {name: "displayName", kind: kindString},
		"createddatetime":      {name: "createdDateTime", kind: kindDateTime},
		"lastmodifieddatetime": {name: "lastModifiedDateTime", kind: kindDateTime},
	},
	navigation: map[string]bool{"prompts": true},
}

var promptSchema = &entitySchema{
	name: "prompt",
	properties: []string{"id", "type", "createdDateTime", "lastModifiedDateTime",
		"skillName", "content", "inputs", "skillInputDescriptors"},
	filterable: map[string]field{
		"id":                   {name: "id", kind: kindString},
		"type":                 {name: "type", kind: kindEnum, enum: promptTypes},
		"content":              {name: "content", kind: kindString},
		"skillname":            {name: "skillName", kind: kindString},
		"createddatetime":      {name: "createdDateTime", kind: kindDateTime},
		"lastmodifieddatetime": {name: "lastModifiedDateTime", kind: kindDateTime},
	},
	navigation: map[string]bool{"evaluations": true},
}

// property returns the canonical name of a (structural) property.
func (es *entitySchema) property(name string) (string, bool) {
	for _, p := range es.properties {
		if strings.EqualFold(p, name) {
			return p, true
		}
	}
	return "", false
}

// fvalue is a property value as the filter sees it.
type fvalue struct {
	null bool
	str  string
	time time.Time
}

// record gives the filter access to one entity's properties.
type record interface {
	value(name string) fvalue
}

type sessionRecord struct{ s *session }

func (r sessionRecord) value(name string) fvalue {
	switch name {
	case "id":
		return fvalue{str: r.s.id}
	case "displayName":
		return strValue(r.s.displayName)
	case "createdDateTime":
		return fvalue{time: r.s.created}
	case "lastModifiedDateTime":
		return fvalue{time: r.s.modified}
	}
	return fvalue{null: true}
}

type promptRecord struct{ p *prompt }

func (r promptRecord) value(name string) fvalue {
	switch name {
	case "id":
		return fvalue{str: r.p.id}
	case "type":
		return fvalue{str: r.p.typ}
	case "content":
		return strValue(r.p.content)
	case "skillName":
		return strValue(r.p.skillName)
	case "createdDateTime":
		return fvalue{time: r.p.created}
	case "lastModifiedDateTime":
		return fvalue{time: r.p.modified}
	}
	return fvalue{null: true}
}

func strValue(s *string) fvalue {
	if s == nil {
		return fvalue{null: true}
	}
	return fvalue{str: *s}
}
