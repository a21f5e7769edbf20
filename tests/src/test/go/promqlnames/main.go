// Command promqlnames reads PromQL expressions, one per line, from stdin, parses each with
// Prometheus's own PromQL parser and prints the metric name of every series selector in them, one
// per line, so k8vent's tests can check that the dashboard and the alerts query only metrics that
// k8vent exposes. An expression that does not parse is an error naming it.
package main

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

func main() {
	names := map[string]bool{}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	promql := parser.NewParser(parser.Options{})
	failed := false
	for in.Scan() {
		line := strings.TrimSpace(in.Text())
		if line == "" {
			continue
		}
		expr, err := promql.ParseExpr(line)
		if err != nil {
			fmt.Fprintf(os.Stderr, "cannot parse %q: %v\n", line, err)
			failed = true
			continue
		}
		parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
			if vs, ok := node.(*parser.VectorSelector); ok {
				name := vs.Name
				for _, m := range vs.LabelMatchers {
					if m.Name == labels.MetricName && m.Type == labels.MatchEqual {
						name = m.Value
					}
				}
				if name == "" {
					fmt.Fprintf(os.Stderr, "a selector without a metric name in %q\n", line)
					failed = true
				} else {
					names[name] = true
				}
			}
			return nil
		})
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "reading stdin:", err)
		os.Exit(1)
	}
	if failed {
		os.Exit(1)
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, n := range sorted {
		fmt.Println(n)
	}
}
