package runner

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/copilotconf/copilotconf/schemas"
)

const validateSynopsis = "copilotconf validate --kind session|prompt|session-collection|prompt-collection|error|conformance-report FILE..."

const validateHelp = `
Validates each JSON document against the embedded schema of its kind and prints, for each
problem, the file, the JSON Pointer and the reason; a document that is not JSON gets the line
and column of the fault, and duplicate member names are rejected. A UTF-8 byte order mark at
the start of a file is accepted (editors and PowerShell write one). "-" reads standard input.
Every file is checked, also after one that cannot be read.
Exit codes: 0 all documents valid, 1 a document is invalid (or not JSON), 2 usage error or a
file that cannot be read.
`

func validateCommand(args []string, stdio IO) int {
	fs := newFlagSet("validate")
	kindName := fs.String("kind", "", "document kind: "+strings.Join(kindNames(), ", "))
	files, err := parseInterleaved(fs, args, stdio, validateSynopsis, validateHelp)
	if err != nil {
		return report(err, stdio)
	}
	if *kindName == "" {
		return report(usageErrorf("validate needs --kind (%s)", strings.Join(kindNames(), ", ")), stdio)
	}
	kind, err := schemas.ParseKind(*kindName)
	if err != nil {
		return report(usageErrorf("%v", err), stdio)
	}
	if len(files) == 0 {
		return report(usageErrorf("validate needs at least one FILE"), stdio)
	}
	validator, err := schemas.New()
	if err != nil {
		return report(fmt.Errorf("compiling the embedded schemas: %w", err), stdio)
	}
	invalid := 0
	var unreadable []string
	for _, file := range files {
		doc, err := readDocument(file)
		if err != nil {
			unreadable = append(unreadable, file)
			fmt.Fprintf(stdio.Stdout, "%s: %s\n", file, oneLine(err.Error()))
			continue
		}
		err = validator.Validate(kind, bytes.TrimPrefix(doc, utf8BOM))
		var verr *schemas.ValidationError
		var serr *schemas.SyntaxError
		switch {
		case err == nil:
			fmt.Fprintf(stdio.Stdout, "%s: valid %s\n", file, kind)
		case errors.As(err, &verr):
			invalid++
			for _, v := range verr.Violations {
				pointer := v.Pointer
				if pointer == "" {
					pointer = "/"
				}
				fmt.Fprintf(stdio.Stdout, "%s: %s: %s\n", file, pointer, oneLine(v.Reason))
			}
		case errors.As(err, &serr):
			invalid++
			fmt.Fprintf(stdio.Stdout, "%s:%d:%d: not JSON: %s\n", file, serr.Line, serr.Column, oneLine(serr.Msg))
		default:
			invalid++
			fmt.Fprintf(stdio.Stdout, "%s: /: %s\n", file, oneLine(err.Error()))
		}
	}
	switch {
	case len(unreadable) > 0:
		fmt.Fprintf(stdio.Stderr, "copilotconf: cannot read %s; %d of %d readable documents invalid\n", strings.Join(unreadable, ", "), invalid, len(files)-len(unreadable))
		return ExitUsage
	case invalid > 0:
		fmt.Fprintf(stdio.Stderr, "copilotconf: %d of %d documents invalid\n", invalid, len(files))
		return ExitFailed
	}
	return ExitOK
}

// utf8BOM is the byte order mark some editors write at the start of a file.
var utf8BOM = []byte("\xef\xbb\xbf")

func readDocument(file string) ([]byte, error) {
	if file == "-" {
		return readAllLimited(os.Stdin)
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("cannot read: %w", errors.Unwrap(err))
	}
	defer f.Close()
	return readAllLimited(f)
}

func kindNames() []string {
	var names []string
	for _, k := range schemas.Kinds() {
		names = append(names, string(k))
	}
	return names
}

// maxDocument bounds what validate reads from one file.
const maxDocument = 64 << 20

func readAllLimited(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxDocument+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxDocument {
		return nil, fmt.Errorf("document larger than %d bytes", maxDocument)
	}
	return b, nil
}
