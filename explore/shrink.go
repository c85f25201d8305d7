package explore

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
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
	ex.observe = observe
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
	const gone = -2
	sessions := map[int]int{}       // old session index → new, or gone
	prompts := map[[2]int]int{}     // old (session, prompt) → new prompt index, or gone
	promptCount := map[int][2]int{} // old session → (old prompts, new prompts) so far
	oldSessions, newSessions := 0, 0
	var out []Call
	for i, st := range steps {
		c := st.Call
		drop := i >= from && i < to
		oldSession := c.Session
		if c.Session != Unknown && c.usesSession() {
			if n, ok := sessions[c.Session]; ok && n == gone {
				drop = true
			} else if ok {
				c.Session = n
			}
		}
		if c.Prompt != Unknown && c.usesPrompt() {
			if n, ok := prompts[[2]int{oldSession, c.Prompt}]; ok && n == gone {
				drop = true
			} else if ok {
				c.Prompt = n
			}
		}
		for j, ex := range st.Exchanges {
			if ex.Method != "POST" || ex.Status != 201 {
				continue
			}
			switch {
			case (j == 0 && c.Op == "create-session") || j > 0: // a session, or one created between two pages
				if drop {
					sessions[oldSessions] = gone
				} else {
					sessions[oldSessions] = newSessions
					newSessions++
				}
				oldSessions++
			case j == 0 && c.Op == "create-prompt" && oldSession != Unknown:
				n := promptCount[oldSession]
				if drop {
					prompts[[2]int{oldSession, n[0]}] = gone
				} else {
					prompts[[2]int{oldSession, n[0]}] = n[1]
					n[1]++
				}
				n[0]++
				promptCount[oldSession] = n
			}
		}
		if !drop {
			out = append(out, c)
		}
	}
	return out
}

// Script writes the failure as a shell script of curl commands that replays it against the
// service root in $COPILOTCONF_TARGET (default: the one explored) with the token in
// $COPILOTCONF_TOKEN. The ids of created objects are captured from the answers, so the script
// works on a fresh target too.
func (f *Failure) Script(target, workspace string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/sh\n# copilotconf explore: replays a sequence that broke the property %q:\n#   %s\n", f.Property, f.Message)
	b.WriteString("# Needs curl and sed. The token is read from COPILOTCONF_TOKEN.\nset -u\n")
	fmt.Fprintf(&b, "T=\"${COPILOTCONF_TARGET:-%s}\"\nW=%s\n", target, shellQuote(url.PathEscape(workspace)))
	b.WriteString("call() { curl -sS -H \"Authorization: Bearer $COPILOTCONF_TOKEN\" \"$@\"; echo; }\n")
	b.WriteString("anon() { curl -sS \"$@\"; echo; }\n")
	b.WriteString("id() { sed -n 's/^{.*\"id\" *: *\"\\([^\"]*\\)\".*/\\1/p' | head -n 1; }\n")
	sessions, prompts := 0, map[int]int{}
	unknown := "00000000-0000-4000-8000-000000000000"
	for i, st := range f.Steps {
		c := st.Call
		op, _ := api.Lookup(c.Op)
		fmt.Fprintf(&b, "\n# %d. %s\n", i+1, c)
		sess, prompt := unknown, unknown
		if c.Session != Unknown {
			sess = fmt.Sprintf("$S%d", c.Session)
			if c.Prompt != Unknown {
				prompt = fmt.Sprintf("$P%d_%d", c.Session, c.Prompt)
			}
		}
		path := op.Expand(map[string]string{api.WorkspaceID: "WORKSPACE", api.SessionID: "SESSION", api.PromptID: "PROMPT"})
		path = strings.NewReplacer("WORKSPACE", "$W", "SESSION", sess, "PROMPT", prompt).Replace(path)
		u := "$T" + path
		if len(c.Query) > 0 {
			u += "?" + strings.ReplaceAll(c.Query.Encode(), "+", "%20")
		}
		args := []string{"-X", op.Method}
		if op.Body != nil {
			body := c.Body
			if body == "" {
				body = jsonText(op.Body(c.Text))
			}
			ct := c.ContentType
			if ct == "" {
				ct = "application/json"
			}
			args = append(args, "-H", shellQuote("Content-Type: "+ct), "--data-binary", shellQuote(body))
		}
		fn := "call"
		switch c.Auth {
		case "none":
			fn = "anon"
		case "wrong":
			fn = "anon -H 'Authorization: Bearer copilotconf-explore-wrong-token'"
		}
		cmd := fn + " " + strings.Join(args, " ") + " \"" + u + "\""
		// An object the run created is numbered as the exploration numbered it: in the order of
		// the creates the target answered 201.
		created := func(i int) bool { return len(st.Exchanges) > i && st.Exchanges[i].Status == 201 }
		switch {
		case op.Name == api.CreateSession.Name && created(0):
			fmt.Fprintf(&b, "R=$(%s); echo \"$R\"; S%d=$(echo \"$R\" | id)\n", cmd, sessions)
			sessions++
		case op.Name == api.CreatePrompt.Name && created(0):
			fmt.Fprintf(&b, "R=$(%s); echo \"$R\"; P%d_%d=$(echo \"$R\" | id)\n", cmd, c.Session, prompts[c.Session])
			prompts[c.Session]++
		default:
			b.WriteString(cmd + "\n")
		}
		if c.Follow {
			b.WriteString("# (the exploration followed the next links of this list from here)\n")
		}
		for j, ex := range st.Exchanges {
			if j > 0 && ex.Method == "POST" && ex.Status == 201 { // the create between two pages
				fmt.Fprintf(&b, "R=$(call -X POST -H 'Content-Type: application/json' --data-binary %s \"$T%s\"); echo \"$R\"; S%d=$(echo \"$R\" | id)\n",
					shellQuote(string(ex.RequestBody)), api.CreateSession.Expand(map[string]string{api.WorkspaceID: "WORKSPACE"}), sessions)
				sessions++
			}
		}
	}
	return strings.ReplaceAll(b.String(), "/WORKSPACE/", "/$W/")
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
