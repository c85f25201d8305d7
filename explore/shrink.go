package explore

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/copilotconf/copilotconf/api"
)

// maxReplays bounds how many times shrinking replays a candidate sequence.
const maxReplays = 200

// replay sends calls in order to a fresh model and returns the steps sent up to the first
// violation, that violation (nil when every answer held) and the transcript of the call that
// broke it.
func replay(ctx context.Context, cfg Config, calls []Call) ([]Step, *violation, string) {
	cfg = cfg.withDefaults()
	client, observe := cfg.Client, cfg.Observe
	if cfg.Fresh != nil {
		c, release, err := cfg.Fresh()
		if err != nil {
			return nil, nil, ""
		}
		defer release()
		client, observe = c, nil
	}
	ex := newExecutor(client, cfg, observe)
	var steps []Step
	for _, c := range calls {
		if ctx.Err() != nil {
			return steps, nil, ""
		}
		st, violations := ex.run(ctx, c)
		if st.Skipped {
			continue
		}
		if len(violations) > 0 {
			steps = append(steps, Step{Call: st.Call, Exchanges: st.Exchanges})
			return steps, &violations[0], transcript(client, st.Exchanges)
		}
		steps = append(steps, compact(st))
	}
	return steps, nil, ""
}

// Shrink looks for a shorter sequence of the failure's calls that breaks the same property,
// replaying candidates against the target (at most maxReplays times, within Config.ShrinkTime): first without whole
// chunks of calls, then without single calls. Leaving out a call that created a session or a
// prompt leaves out the calls that named it and renumbers the others, so that every call
// still names the object it named. It returns the shortest failure it saw.
func Shrink(ctx context.Context, cfg Config, f *Failure) (*Failure, int) {
	cfg = cfg.withDefaults()
	best := f
	replays := 0
	deadline := time.Now().Add(cfg.ShrinkTime)
	stopped := false
	try := func(candidate []Call) bool {
		if len(candidate) == 0 {
			return false
		}
		if replays >= maxReplays || ctx.Err() != nil || time.Now().After(deadline) {
			stopped = true
			return false
		}
		replays++
		steps, v, answer := replay(ctx, cfg, candidate)
		if v == nil || v.Property != f.Property {
			return false
		}
		best = &Failure{Property: v.Property, Message: v.Message, Answer: answer, Steps: steps}
		return true
	}
	// First the calls that touch what the breaking call names: most failures need no more.
	// Left-out calls are first left out without waiting the time they took: most failures do
	// not depend on time, and their replays are quick. When that does not break the property
	// and waiting does, every later candidate waits too.
	timed := false
	if len(focus(best.Steps, false)) < len(best.Steps) && !try(focus(best.Steps, false)) {
		timed = try(focus(best.Steps, true))
	}
	for chunk := len(best.Steps) / 2; chunk >= 1; chunk /= 2 {
		for start := 0; start+chunk <= len(best.Steps); {
			if !try(without(best.Steps, start, start+chunk, timed)) {
				start += chunk
			}
			// On success best.Steps is shorter and the calls after start moved up: try the
			// same start again.
		}
	}
	if stopped {
		unfinished := *best
		unfinished.Unfinished = true
		return &unfinished, replays
	}
	return best, replays
}

// without returns the calls of steps except those in [from, to) and those that named an
// object one of them created; the others are renumbered to name the same objects.
func without(steps []Step, from, to int, timed bool) []Call {
	return keep(steps, func(i int) bool { return i < from || i >= to }, timed)
}

// focus returns the calls that touch an object the last call names (or its parents), and
// the calls that created those objects.
func focus(steps []Step, timed bool) []Call {
	last := len(steps) - 1
	named := map[string]bool{}
	for _, k := range references(steps[last].Call) {
		named[k] = true
	}
	created := creations(steps)
	return keep(steps, func(i int) bool {
		if i == last || named[created[i]] {
			return true
		}
		for _, k := range references(steps[i].Call) {
			if named[k] {
				return true
			}
		}
		return false
	}, timed)
}

// references are the objects a call names, as keys of its own run ("s#2": the third
// session; "p2#0": its first prompt; "e2.0#1": that prompt's second evaluation).
func references(c Call) []string {
	var out []string
	for _, i := range filterSessions(c.Filter) {
		out = append(out, fmt.Sprintf("s#%d", i))
	}
	if c.Misaddressed && c.Op == api.GetPrompt.Name {
		out = append(out, fmt.Sprintf("s#%d", c.Under))
	} else if c.Misaddressed {
		out = append(out, fmt.Sprintf("p%d#%d", c.Session, c.Under))
	}
	if c.usesSession() && c.Session != Unknown {
		out = append(out, fmt.Sprintf("s#%d", c.Session))
		if c.usesPrompt() && c.Prompt != Unknown {
			out = append(out, fmt.Sprintf("p%d#%d", c.Session, c.Prompt))
			if c.usesEvaluation() && c.Evaluation != Unknown {
				out = append(out, fmt.Sprintf("e%d.%d#%d", c.Session, c.Prompt, c.Evaluation))
			}
		}
	}
	return out
}

// creations gives, per step, the key of the object its call created ("" for none).
func creations(steps []Step) []string {
	out := make([]string, len(steps))
	r := renumbering{index: map[string]int{}, count: map[string][2]int{}}
	for i, st := range steps {
		c := st.Call
		if len(st.Exchanges) == 0 || st.Exchanges[0].Method != "POST" || st.Exchanges[0].Status != 201 {
			continue
		}
		switch {
		case c.Op == api.CreateSession.Name:
			out[i] = r.created("s", false)
		case c.Op == api.CreatePrompt.Name && c.Session != Unknown:
			out[i] = r.created(fmt.Sprintf("p%d", c.Session), false)
		case c.Op == api.CreateEvaluation.Name && c.Session != Unknown && c.Prompt != Unknown:
			out[i] = r.created(fmt.Sprintf("e%d.%d", c.Session, c.Prompt), false)
		}
		for _, ex := range st.Exchanges[1:] { // sessions created between two pages
			if ex.Method == "POST" && ex.Status == 201 {
				r.created("s", false)
			}
		}
	}
	return out
}

// keep returns the calls of the steps kept and leaves out those that named an object a
// call left out created; the others are renumbered to name the same objects. When timed, the
// time the calls left out took is waited before the next call on evaluations kept.
func keep(steps []Step, kept func(int) bool, timed bool) []Call {
	r := renumbering{index: map[string]int{}, count: map[string][2]int{}}
	var out []Call
	// Where calls are left out, the time they took is owed, and the next call on evaluations
	// kept waits it: an evaluation's life goes on with time, whatever was sent.
	var lastEnd time.Time
	var owed time.Duration
	left := false
	for i, st := range steps {
		c := st.Call
		if left && !lastEnd.IsZero() && len(st.Exchanges) > 0 {
			owed += st.Exchanges[0].Started.Sub(lastEnd) - c.After
		}
		if onEvaluations := c.Op == api.GetEvaluation.Name || c.Op == api.ListEvaluations.Name; timed && onEvaluations && owed > 0 && kept(i) {
			c.After += owed
			owed = 0
		}
		drop := !kept(i)
		oldSession, oldPrompt := c.Session, c.Prompt
		// Map each reference the call makes; one to a dropped object drops the call.
		refs := []reference{
			{&c.Session, "s", c.usesSession()},
			{&c.Prompt, fmt.Sprintf("p%d", oldSession), c.usesPrompt()},
			{&c.Evaluation, fmt.Sprintf("e%d.%d", oldSession, oldPrompt), c.usesEvaluation()},
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
		if c.Filter != nil {
			f, ok := mapSessions(c.Filter, func(i int) (int, bool) {
				n, known := r.index[fmt.Sprintf("s#%d", i)]
				if !known {
					return i, true
				}
				return n, n != gone
			})
			c.Filter, drop = f, drop || !ok
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
		if drop {
			left = true
			continue
		}
		left = false
		if n := len(st.Exchanges); n > 0 {
			lastEnd = st.Exchanges[n-1].Started.Add(st.Exchanges[n-1].Duration)
		}
		out = append(out, c)
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

// created records the next object of scope, left out or kept, and returns its old key.
func (r *renumbering) created(scope string, dropped bool) string {
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
	return key
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
		op, _ := api.Lookup(c.Op)
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
			input, sent := "", string(ex.RequestBody)
			if j == 0 && c.Pad > 0 {
				sent = requestBody(op, c) // left out of the step to spare memory
			}
			if sent != "" {
				body, generated := padded(sent)
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
				fmt.Fprintf(&b, "R=$(%s); printf '%%s\\n' \"$R\"; %s=$(printf '%%s\\n' \"$R\" | id)\n", cmd, v)
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
	pending := "" // literal text not yet quoted: adjacent literals make one quoted word
	lit := func(t string) { pending += t }
	variable := func(name string) {
		if pending != "" {
			parts = append(parts, shellQuote(pending))
			pending = ""
		}
		parts = append(parts, `"$`+name+`"`)
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
			variable("T")
		case vars[key] == "W":
			lit("/workspaces/")
			variable("W")
			lit("/")
		default:
			variable(vars[key])
		}
		s = s[at+len(key):]
	}
	if pending != "" {
		parts = append(parts, shellQuote(pending))
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
