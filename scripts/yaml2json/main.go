// yaml2json: test oracle for "how Go's sigs.k8s.io/yaml (as used by kubectl)
// reads a YAML stream".
//
// Reads a multi-document YAML stream on stdin, splits it into documents the
// way kubectl does (k8s.io/apimachinery/pkg/util/yaml.YAMLReader rules), converts
// each document with sigs.k8s.io/yaml.YAMLToJSON and prints one compact JSON
// value per line. Like kubectl, documents that convert to null (empty or
// comment-only) are skipped unless -keep-empty is given. A document that fails
// prints a line starting with "ERROR " (never valid JSON) and the exit code is 1.
//
// Flags:
//   -strict      use yaml.YAMLToJSONStrict (duplicate keys are an error)
//   -keep-empty  print "null" for empty documents instead of skipping them
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"

	"sigs.k8s.io/yaml"
)

// splitDocs applies kubectl's document-splitting rule: a line that begins with
// "---" ends the current document; after the "---" only whitespace or a
// "#" comment may follow, anything else is an error. A separator seen while
// nothing is buffered is kept as the first line of the next document (as
// kubectl does). Every kept line gets a '\n', also a final one without one.
func splitDocs(in []byte) ([][]byte, error) {
	var docs [][]byte
	var cur bytes.Buffer
	r := bufio.NewReader(bytes.NewReader(in))
	for {
		line, err := r.ReadBytes('\n')
		if err != nil && err != io.EOF {
			return nil, err
		}
		if len(line) == 0 && err == io.EOF {
			break
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r")) // bufio.ReadLine drops a trailing \r too
		if bytes.HasPrefix(line, []byte("---")) {
			rest := strings.TrimSpace(string(line[3:]))
			if rest != "" && rest[0] != '#' {
				return docs, fmt.Errorf("invalid Yaml document separator: %s", rest)
			}
			if cur.Len() > 0 {
				// the separator ends the current document and is dropped
				docs = append(docs, append([]byte(nil), cur.Bytes()...))
				cur.Reset()
				if err == io.EOF {
					break
				}
				continue
			}
			// with nothing buffered, kubectl keeps the "---" line as the
			// start of the next document
		}
		cur.Write(line)
		cur.WriteByte('\n')
		if err == io.EOF {
			break
		}
	}
	if cur.Len() > 0 {
		docs = append(docs, cur.Bytes())
	}
	return docs, nil
}

func main() {
	strict := flag.Bool("strict", false, "use YAMLToJSONStrict (reject duplicate keys)")
	keepEmpty := flag.Bool("keep-empty", false, "print null for empty documents")
	flag.Parse()

	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Println("ERROR reading stdin:", err)
		os.Exit(1)
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	rc := 0

	// kubectl sniffs for a leading '{' and then reads a stream of JSON values.
	if bytes.HasPrefix(bytes.TrimLeftFunc(in, unicode.IsSpace), []byte("{")) {
		dec := json.NewDecoder(bytes.NewReader(in))
		for {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err == io.EOF {
				break
			} else if err != nil {
				fmt.Fprintln(out, "ERROR", err)
				rc = 1
				break
			}
			var buf bytes.Buffer
			_ = json.Compact(&buf, raw)
			fmt.Fprintln(out, buf.String())
		}
		out.Flush()
		os.Exit(rc)
	}

	docs, splitErr := splitDocs(in)
	conv := yaml.YAMLToJSON
	if *strict {
		conv = yaml.YAMLToJSONStrict
	}
	for _, d := range docs {
		j, err := conv(d)
		if err != nil {
			fmt.Fprintln(out, "ERROR", strings.ReplaceAll(err.Error(), "\n", " "))
			rc = 1
			continue
		}
		j = bytes.TrimSpace(j)
		if !*keepEmpty && (len(j) == 0 || string(j) == "null") {
			continue
		}
		fmt.Fprintln(out, string(j))
	}
	if splitErr != nil {
		fmt.Fprintln(out, "ERROR", splitErr)
		rc = 1
	}
	out.Flush()
	os.Exit(rc)
}
