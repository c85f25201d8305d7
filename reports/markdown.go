package reports

import (
	"fmt"
	"strings"

	"github.com/copilotconf/copilotconf/results"
)

// Markdown renders the run as a summary for a CI step or a pull request: the claim, the
// counts by level, the failed specs with their first problem, documentation and reproducers,
// the blocked groups, the warnings and what did not run.
func Markdown(run *results.Run) string {
	var b strings.Builder
	claim := run.Claim()
	fmt.Fprintf(&b, "## copilotconf conformance: claim `%s`\n\n", claim)
	fmt.Fprintf(&b, "- Target: `%s`, workspace `%s`\n", run.Target.URL, run.Target.Workspace)
	if impl := describeImplementation(run.Implementation); impl != "" {
		fmt.Fprintf(&b, "- Implementation: %s\n", mdText(impl))
	}
	fmt.Fprintf(&b, "- copilotconf %s, run `%s`, %s, catalogue `%s`\n", run.Tool.Version, run.RunID,
		run.Finished.UTC().Format("2006-01-02 15:04:05 UTC"), shortDigest(run.CatalogDigest()))
	fmt.Fprintf(&b, "- Mode: %s\n", mdText(describeMode(run.Mode)))
	if run.Stopped != "" {
		fmt.Fprintf(&b, "- **Stopped early:** %s\n", mdText(run.Stopped))
	}
	b.WriteString("\n| Level | Passed | Failed | Blocked | Throttled | Not run | Skipped | Not selected | Claimed |\n|---|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, level := range results.Levels {
		c := run.Count(func(s results.Spec) bool { return s.Level == level })
		claimed := "no"
		if claim.Includes(level) {
			claimed = "yes"
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d | %d | %d | %s |\n", level, c.Passed, c.Failed, c.Blocked, c.Throttled, c.NotRun, c.Skipped, c.NotSelected, claimed)
	}
	if notes := run.Unclaimed(); len(notes) > 0 {
		b.WriteString("\nNot claimed:\n\n")
		for _, n := range notes {
			fmt.Fprintf(&b, "- %s\n", mdText(n))
		}
	}
	failed, warnings := run.Failures()
	writeSpecList(&b, fmt.Sprintf("Failed (%d)", len(failed)), failed)
	if groups := run.Groups(results.Blocked); len(groups) > 0 {
		fmt.Fprintf(&b, "\n### Blocked (%d): a precondition failed, nothing was verified\n\n", len(run.With(results.Blocked)))
		for _, g := range groups {
			fmt.Fprintf(&b, "- **%d blocked by:** %s", len(g.IDs), mdText(g.Reason))
			if g.Cause != nil && g.Cause.Spec != "" {
				fmt.Fprintf(&b, " (step \"%s\" during %s)", mdText(g.Cause.Step), g.Cause.Spec)
			}
			fmt.Fprintf(&b, "<br>%s\n", strings.Join(g.IDs, ", "))
			if g.Cause != nil && g.Cause.Exchange != nil && g.Cause.Exchange.Curl != "" {
				writeCurl(&b, []string{g.Cause.Exchange.Curl})
			}
		}
	}
	writeSpecList(&b, fmt.Sprintf("Warnings (%d): advisory, fail the run only with --strict", len(warnings)), warnings)
	writeGroups(&b, "Throttled", run.Groups(results.Throttled))
	writeGroups(&b, "Not run", run.Groups(results.NotRun))
	writeGroups(&b, "Skipped", run.Groups(results.Skipped))
	fmt.Fprintf(&b, "\n%s\n", run.Count(nil).Line())
	return b.String()
}

func writeSpecList(b *strings.Builder, heading string, specs []results.Spec) {
	if len(specs) == 0 {
		return
	}
	fmt.Fprintf(b, "\n### %s\n\n", heading)
	for _, s := range specs {
		fmt.Fprintf(b, "- **%s** %s: %s ([documentation](%s))\n", s.ID, mdText(s.Requirement), mdText(oneLine(s.Reason)), s.Doc)
		writeCurl(b, reproducers(s))
	}
}

func writeCurl(b *strings.Builder, cmds []string) {
	if len(cmds) == 0 {
		return
	}
	fmt.Fprintf(b, "  <details><summary>reproduce</summary>\n\n  %s\n\n  ```sh\n", curlNote)
	for _, c := range cmds {
		fmt.Fprintf(b, "  %s\n", strings.ReplaceAll(c, "```", "` ` `"))
	}
	b.WriteString("  ```\n  </details>\n")
}

func writeGroups(b *strings.Builder, heading string, groups []results.Group) {
	if len(groups) == 0 {
		return
	}
	n := 0
	for _, g := range groups {
		n += len(g.IDs)
	}
	fmt.Fprintf(b, "\n### %s (%d)\n\n", heading, n)
	for _, g := range groups {
		fmt.Fprintf(b, "- %d: %s<br>%s\n", len(g.IDs), mdText(g.Reason), strings.Join(g.IDs, ", "))
	}
}

// mdText escapes text for Markdown prose: HTML-looking brackets, and line breaks.
func mdText(s string) string {
	s = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "|", "\\|", "*", "\\*", "_", "\\_", "`", "\\`").Replace(s)
	return oneLine(s)
}

func shortDigest(d string) string {
	if len(d) > 19 {
		return d[:19]
	}
	return d
}

func describeImplementation(i results.Implementation) string {
	var parts []string
	for _, p := range []string{i.Name, i.Version, i.URL, i.Contact} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// describeMode says how the run selected and judged specs.
func describeMode(m results.Mode) string {
	var parts []string
	if m.Strict {
		parts = append(parts, "strict")
	}
	if m.ReadOnly {
		parts = append(parts, "read-only")
	}
	if m.LabelFilter != "" {
		parts = append(parts, "label filter "+m.LabelFilter)
	}
	if m.Focus != "" {
		parts = append(parts, "focus "+m.Focus)
	}
	if m.Skip != "" {
		parts = append(parts, "skip "+m.Skip)
	}
	if m.Faults != "" {
		parts = append(parts, "faults "+m.Faults)
	}
	if len(parts) == 0 {
		return "every spec, default judgement"
	}
	return strings.Join(parts, ", ")
}
