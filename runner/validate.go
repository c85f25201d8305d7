package runner

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/copilotconf/copilotconf/schemas"
)

const validateSynopsis = "copilotconf validate --kind session|prompt|session-collection|prompt-collection|error FILE..."

const validateHelp = `
Validates each JSON document against the embedded schema of its kind and prints, for each
problem, the file, the JSON Pointer and the reason. "-" reads standard input.
Exit codes: 0 all documents valid, 1 a document is invalid (or not JSON), 2 usage error.
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
	for _, file := range files {
		doc, err := readDocument(file)
		if err != nil {
			return report(usageErrorf("%v", err), stdio)
		}
		err = validator.Validate(kind, doc)
		var verr *schemas.ValidationError
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
		default:
			invalid++
			fmt.Fprintf(stdio.Stdout, "%s: /: %s\n", file, oneLine(err.Error()))
		}
	}
	if invalid > 0 {
		fmt.Fprintf(stdio.Stderr, "copilotconf: %d of %d documents invalid\n", invalid, len(files))
		return ExitFailed
	}
	return ExitOK
}

func readDocument(file string) ([]byte, error) {
	if file == "-" {
		return readAllLimited(os.Stdin)
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", file, err)
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
