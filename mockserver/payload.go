package mockserver

import (
	"encoding/json"
	"fmt"
	"slices"
)

// Request-body validation. The first problem in body order is reported;
// nothing is applied unless the whole body is valid.

var sessionReadOnly = map[string]bool{"id": true, "createdDateTime": true, "lastModifiedDateTime": true, "prompts": true}
var promptReadOnly = map[string]bool{"id": true, "createdDateTime": true, "lastModifiedDateTime": true, "evaluations": true}

// sessionInput is a validated create or update body.
type sessionInput struct {
	setName     bool
	displayName *string
}

// parseSessionBody validates a session body. On create displayName is
// required and must be a string; on update it may be a string or null.
func parseSessionBody(o *jsonObject, create bool) (sessionInput, error) {
	var in sessionInput
	for _, k := range o.Keys() {
		v, _ := o.Get(k)
		switch {
		case k == "@odata.type":
			if err := checkODataType(v, typeSession); err != nil {
				return in, err
			}
		case k == "displayName":
			switch x := v.(type) {
			case nil:
				if create {
					return in, badRequest("Property 'displayName' is required and must not be null.")
				}
				in.setName, in.displayName = true, nil
			case string:
				in.setName, in.displayName = true, &x
			default:
				return in, badRequest("displayName must be a string, not %s.", jsonTypeName(v))
			}
		case sessionReadOnly[k]:
			return in, badRequest("Property '%s' is read-only and cannot be set.", k)
		default:
			return in, unknownProperty(k, "session")
		}
	}
	if create && !in.setName {
		return in, badRequest("Property 'displayName' is required.")
	}
	return in, nil
}

// parsePromptBody validates a create-prompt body and returns the prompt to
// store (defaults applied; id and times are set by the store).
func parsePromptBody(o *jsonObject) (prompt, error) {
	p := prompt{
		inputs:                newObject().Set("keyValuePairs", []any{}),
		skillInputDescriptors: []any{},
	}
	hasType := false
	for _, k := range o.Keys() {
		v, _ := o.Get(k)
		switch {
		case k == "@odata.type":
			if err := checkODataType(v, typePrompt); err != nil {
				return p, err
			}
		case k == "type":
			s, ok := v.(string)
			if !ok {
				return p, badRequest("type must be a string (a promptType member), not %s.", jsonTypeName(v))
			}
			if !slices.Contains(promptTypes, s) {
				return p, badRequest("'%s' is not a valid value of promptType; valid members are: unknown, context, prompt, skill, feedback, unknownFutureValue.", s)
			}
			if s != "prompt" {
				return p, badRequest("Prompt type '%s' is not supported: only 'prompt' is currently supported.", s)
			}
			p.typ, hasType = s, true
		case k == "content":
			s, ok := v.(string)
			if !ok {
				if v == nil {
					return p, badRequest("Property 'content' is required and must not be null.")
				}
				return p, badRequest("content must be a string, not %s.", jsonTypeName(v))
			}
			p.content = &s
		case k == "skillName":
			switch x := v.(type) {
			case nil:
				p.skillName = nil
			case string:
				p.skillName = &x
			default:
				return p, badRequest("skillName must be a string or null, not %s.", jsonTypeName(v))
			}
		case k == "inputs":
			switch v.(type) {
			case nil, *jsonObject:
				p.inputs = v
			default:
				return p, badRequest("inputs must be an object or null, not %s.", jsonTypeName(v))
			}
		case k == "skillInputDescriptors":
			switch x := v.(type) {
			case nil:
				p.skillInputDescriptors = nil
			case []any:
				for i, d := range x {
					if err := checkSkillInputDescriptor(i, d); err != nil {
						return p, err
					}
				}
				p.skillInputDescriptors = x
			default:
				return p, badRequest("skillInputDescriptors must be an array or null, not %s.", jsonTypeName(v))
			}
		case promptReadOnly[k]:
			return p, badRequest("Property '%s' is read-only and cannot be set.", k)
		default:
			return p, unknownProperty(k, "prompt")
		}
	}
	if !hasType {
		return p, badRequest("Property 'type' is required (only 'prompt' is currently supported).")
	}
	if p.content == nil {
		return p, badRequest("Property 'content' is required.")
	}
	return p, nil
}

// checkSkillInputDescriptor validates one skillInputDescriptor: name
// (string, required), type ({"name": string}), description, defaultValue,
// placeholderValue (string or null), isRequired (boolean).
func checkSkillInputDescriptor(i int, d any) error {
	o, ok := d.(*jsonObject)
	if !ok {
		return badRequest("skillInputDescriptors[%d] must be an object, not %s.", i, jsonTypeName(d))
	}
	at := func(k string) string { return fmt.Sprintf("skillInputDescriptors[%d].%s", i, k) }
	for _, k := range o.Keys() {
		v, _ := o.Get(k)
		switch k {
		case "@odata.type":
			if err := checkODataType(v, "#microsoft.graph.security.securityCopilot.skillInputDescriptor"); err != nil {
				return err
			}
		case "name":
			if _, ok := v.(string); !ok {
				return badRequest("%s must be a string, not %s.", at(k), jsonTypeName(v))
			}
		case "type":
			t, ok := v.(*jsonObject)
			if !ok {
				return badRequest("%s must be an object, not %s.", at(k), jsonTypeName(v))
			}
			for _, tk := range t.Keys() {
				tv, _ := t.Get(tk)
				if tk != "name" && tk != "@odata.type" {
					return badRequest("%s has an unknown property '%s'.", at(k), tk)
				}
				if _, ok := tv.(string); !ok {
					return badRequest("%s.%s must be a string, not %s.", at(k), tk, jsonTypeName(tv))
				}
			}
		case "description", "defaultValue", "placeholderValue":
			if _, ok := v.(string); !ok && v != nil {
				return badRequest("%s must be a string or null, not %s.", at(k), jsonTypeName(v))
			}
		case "isRequired":
			if _, ok := v.(bool); !ok {
				return badRequest("%s must be a boolean, not %s.", at(k), jsonTypeName(v))
			}
		default:
			return badRequest("%s is not a property of skillInputDescriptor.", at(k))
		}
	}
	if !o.Has("name") {
		return badRequest("%s is required.", at("name"))
	}
	return nil
}

func checkODataType(v any, want string) error {
	if s, ok := v.(string); !ok || s != want {
		return badRequest("'@odata.type' must be '%s', not %s.", want, describeJSON(v))
	}
	return nil
}

func describeJSON(v any) string {
	switch x := v.(type) {
	case string:
		return "'" + x + "'"
	case json.Number:
		return x.String()
	}
	return jsonTypeName(v)
}

func unknownProperty(k, entity string) error {
	return badRequest("Property '%s' does not exist on type 'microsoft.graph.security.securityCopilot.%s'.", k, entity)
}
