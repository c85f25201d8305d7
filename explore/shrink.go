package explore

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/copilotconf/copilotconf/api"
)

// maxReplays bounds how many times shrinking replays a candidate sequence.
const maxReplays = 200

// replay sends calls in order to a fresh model and returns the steps sent up to the first
// violation, and that violation (nil when every answer held).
func replay(ctx context.Context, cfg Config, calls []Call) ([]Step, *violation) {
	cfg = cfg.withDefaults()
	client, observe := cfg.Client, cfg.Observe
	if cfg.Fresh != nil {
		c, release, err := cfg.Fresh()
		if err != nil {
			return nil, nil
		}
		defer release()
		client, observe = c, nil
	}
	ex := newExecutor(client, cfg.Validator, cfg.Workspace, cfg.RunID)
	ex.observe, ex.evaluationTimeout = observe, cfg.EvaluationTimeout
	var steps []Step
	for _, c := range calls {
		if ctx.Err() != nil {
			return steps, nil
		}
		st, violations := ex.run(ctx, c)
		if st.Skipped {
			continue
		}
		steps = append(steps, Step{Call: st.Call, Exchanges: st.Exchanges})
		if len(violations) > 0 {
			return steps, &violations[0]
		}
	}
	return steps, nil
}

// Shrink looks for a shorter sequence of the failure's calls that breaks the same property,
// replaying candidates against the target (at most maxReplays times): first without whole
// chunks of calls, then without single calls. Leaving out a call that created a session or a
// prompt leaves out the calls that named it and renumbers the others, so that every call
// still names the object it named. It returns the shortest failure it saw.
func Shrink(ctx context.Context, cfg Config, f *Failure) (*Failure, int) {
	best := f
	replays := 0
	try := func(candidate []Call) bool {
		if len(candidate) == 0 || replays >= maxReplays || ctx.Err() != nil {
			return false
		}
		replays++
		steps, v := replay(ctx, cfg, candidate)
		if v == nil || v.Property != f.Property {
			return false
		}
		best = &Failure{Property: v.Property, Message: v.Message, Steps: steps}
		return true
	}
	for chunk := len(best.Steps) / 2; chunk >= 1; chunk /= 2 {
		for start := 0; start+chunk <= len(best.Steps); {
			if !try(without(best.Steps, start, start+chunk)) {
				start += chunk
			}
			// On success best.Steps is shorter and the calls after start moved up: try the
			// same start again.
		}
	}
	return best, replays
}

// without returns the calls of steps except those in [from, to) and those that named an
// object one of them created; the others are renumbered to name the same objects.
func without(steps []Step, from, to int) []Call {
	r := renumbering{index: map[string]int{}, count: map[string][2]int{}}
	var out []Call
	for i, st := range steps {
		c := st.Call
		drop := i >= from && i < to
		oldSession, oldPrompt := c.Session, c.Prompt
		// Map each reference the call makes; one to a dropped object drops the call.
		refs := []reference{
			{&c.Session, "s", c.usesSession()},
			{&c.Prompt, fmt.Sprintf("p%d", oldSession), c.usesPrompt()},
			{&c.Evaluation, fmt.Sprintf("e%d.%d", oldSession, oldPrompt), c.Op == api.GetEvaluation.Name},
		}
		switch {
		case c.Misaddressed && c.Op == api.GetPrompt.Name: // under another session
			refs = append(refs, reference{&c.Under, "s", true})
		case c.Misaddressed: // under another prompt of the session
			refs = append(refs, reference{&c.Under, fmt.Sprintf("p%d", oldSession), true})
		}
		for _, ref := range refs {
			if !ref.use || *ref.ptr == Unknown {
				continue
			}
			n, ok := r.index[fmt.Sprintf("%s#%d", ref.scope, *ref.ptr)]
			switch {
			case ok && n == gone:
				drop = true
			case ok:
				*ref.ptr = n
			}
		}
		for j, ex := range st.Exchanges {
			if ex.Method != "POST" || ex.Status != 201 {
				continue
			}
			switch {
			case (j == 0 && c.Op == api.CreateSession.Name) || j > 0: // a session, or one created between two pages
				r.created("s", drop)
			case j == 0 && c.Op == api.CreatePrompt.Name && oldSession != Unknown:
				r.created(fmt.Sprintf("p%d", oldSession), drop)
			case j == 0 && c.Op == api.CreateEvaluation.Name && oldSession != Unknown && oldPrompt != Unknown:
				r.created(fmt.Sprintf("e%d.%d", oldSession, oldPrompt), drop)
			}
		}
		if !drop {
			out = append(out, c)
		}
	}
	return out
}

// reference is an index a call holds, into a scope of objects; use says whether the call
// sends it.
type reference struct {
	ptr   *int
	scope string
	use   bool
}

// gone marks an object whose create was left out.
const gone = -2

// renumbering maps the index an object had among its siblings (its scope: the sessions, the
// prompts of a session, the evaluations of a prompt) to the index it has once some creates
// are left out.
type renumbering struct {
	index map[string]int    // "scope#old" → new index, or gone
	count map[string][2]int // scope → objects created so far, before and after
}

func (r *renumbering) created(scope string, dropped bool) {
	n := r.count[scope]
	key := fmt.Sprintf("%s#%d", scope, n[0])
	if dropped {
		r.index[key] = gone
	} else {
		r.index[key] = n[1]
		n[1]++
	}
	n[0]++
	r.count[scope] = n
}

// Script writes the failure as a shell script of curl commands that replays it against the
// service root in $COPILOTCONF_TARGET (default: the one explored) with the token in
// $COPILOTCONF_TOKEN. It sends the requests the exploration sent (method, path, query,
// headers, body), in order, with the waits it made; the ids of objects the run created are
// captured from the answers, so the script works on a fresh target too.
func (f *Failure) Script(target, workspace string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/sh\n# copilotconf explore: replays a sequence that broke the property %q:\n#   %s\n", f.Property, oneLine(f.Message))
	b.WriteString("# Needs curl, sed, head and tr. The token is read from COPILOTCONF_TOKEN.\nset -u\n")
	fmt.Fprintf(&b, "T=\"${COPILOTCONF_TARGET:-%s}\"\nW=%s\n", strings.ReplaceAll(target, `"`, `\"`), shellQuote(url.PathEscape(workspace)))
	b.WriteString("call() { curl -sS -H \"Authorization: Bearer $COPILOTCONF_TOKEN\" \"$@\"; echo; }\n")
	b.WriteString("anon() { curl -sS \"$@\"; echo; }\n")
	b.WriteString("id() { sed -n 's/^{.*\"id\" *: *\"\\([^\"]*\\)\".*/\\1/p' | head -n 1; }\n")
	vars := map[string]string{"/workspaces/" + url.PathEscape(workspace) + "/": "W"} // text → the variable that holds it
	for i, st := range f.Steps {
		c := st.Call
		fmt.Fprintf(&b, "\n# %d. %s\n", i+1, oneLine(c.String()))
		if c.After > 0 {
			fmt.Fprintf(&b, "sleep %.3f\n", c.After.Seconds())
		}
		for j, ex := range st.Exchanges {
			if j > 0 && !(ex.Method == "POST" && ex.Status == 201) {
				continue // a next page: its link is the target's own
			}
			fn := "call"
			if j == 0 {
				switch c.Auth {
				case "none":
					fn = "anon"
				case "wrong":
					fn = "anon -H 'Authorization: Bearer copilotconf-explore-wrong-token'"
				}
			}
			args := []string{"-X", ex.Method}
			for _, h := range []string{"Content-Type", "Accept", "client-request-id"} {
				if v := ex.RequestHeader.Get(h); v != "" {
					args = append(args, "-H", shellQuote(h+": "+v))
				}
			}
			input := ""
			if len(ex.RequestBody) > 0 {
				body, generated := padded(string(ex.RequestBody))
				if generated != "" {
					input = generated + " | "
					args = append(args, "--data-binary", "@-")
				} else {
					args = append(args, "--data-binary", shellWord(body, vars))
				}
			}
			cmd := input + fn + " " + strings.Join(args, " ") + " " + shellWord(rootRelative(ex.URL), vars)
			if obj := body(ex); ex.Method == "POST" && ex.Status == 201 && str(obj["id"]) != "" {
				v := fmt.Sprintf("O%d", len(vars))
				vars[str(obj["id"])] = v
				fmt.Fprintf(&b, "R=$(%s); echo \"$R\"; %s=$(echo \"$R\" | id)\n", cmd, v)
			} else {
				b.WriteString(cmd + "\n")
			}
			if j == 0 && c.Follow {
				b.WriteString("# (the exploration followed the next links of this list from here)\n")
			}
		}
	}
	return b.String()
}

// rootRelative is the URL with the service root replaced by $T: everything before the API's
// /security/ path.
func rootRelative(u string) string {
	if i := strings.Index(u, "/security/securityCopilot/"); i >= 0 {
		return "\x00T" + u[i:]
	}
	return u
}

// shellWord quotes s for the shell, with each text that vars names (an id the run created, the
// workspace) and the service root ("\x00T") written as its variable.
func shellWord(s string, vars map[string]string) string {
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return len(b) - len(a) })
	var parts []string
	lit := func(t string) {
		if t != "" {
			parts = append(parts, shellQuote(t))
		}
	}
	for s != "" {
		at, key := -1, ""
		if strings.HasPrefix(s, "\x00T") {
			at, key = 0, "\x00T"
		}
		for _, k := range keys {
			if i := strings.Index(s, k); i >= 0 && (at < 0 || i < at) {
				at, key = i, k
			}
		}
		if at < 0 {
			lit(s)
			break
		}
		lit(s[:at])
		switch {
		case key == "\x00T":
			parts = append(parts, `"$T"`)
		case vars[key] == "W":
			lit("/workspaces/")
			parts = append(parts, `"$W"`)
			lit("/")
		default:
			parts = append(parts, `"$`+vars[key]+`"`)
		}
		s = s[at+len(key):]
	}
	if len(parts) == 0 {
		return "''"
	}
	return strings.Join(parts, "")
}

// padded finds a body that is mostly one long run of "x" (an oversized body) and gives the
// shell command that writes it; generated is "" for any other body.
func padded(body string) (string, string) {
	const long = 1 << 16
	if len(body) < long {
		return body, ""
	}
	start := strings.Index(body, strings.Repeat("x", 64))
	if start < 0 {
		return body, ""
	}
	end := start
	for end < len(body) && body[end] == 'x' {
		end++
	}
	return body, fmt.Sprintf("{ printf '%%s' %s; head -c %d /dev/zero | tr '\\0' x; printf '%%s' %s; }",
		shellQuote(body[:start]), end-start, shellQuote(body[end:]))
}

// jsonText encodes v as JSON without HTML escaping.
func jsonText(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimRight(b.String(), "\n")
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
