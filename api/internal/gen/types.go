package main

import (
	"bytes"
	"fmt"
)

// writeTypes writes types_gen.go: one struct per structure shape.
func (g *generator) writeTypes(w *bytes.Buffer) {
	w.WriteString("package api\n\n")
	for _, name := range g.structs {
		s := g.m.Shapes[name]
		if s.Exception {
			fmt.Fprintf(w, "// %s is the AWS Config shape %s, an error body.\n", name, name)
		} else {
			fmt.Fprintf(w, "// %s is the AWS Config shape %s.\n", name, name)
		}
		fmt.Fprintf(w, "type %s struct {\n", name)
		for _, mb := range s.Members {
			fmt.Fprintf(w, "\t%s %s `json:\"%s,omitzero\"`\n", exportName(mb.Name), g.goType(mb.Shape), mb.Name)
		}
		w.WriteString("}\n\n")
	}
	for _, op := range sortedKeys(g.synthetic) {
		tn := g.synthetic[op]
		fmt.Fprintf(w, "// %s is the input of %s, which has no input shape in the model:\n", tn, op)
		fmt.Fprintf(w, "// the request body is an empty JSON object.\n")
		fmt.Fprintf(w, "type %s struct{}\n\n", tn)
	}
}

// writeShapeRegistry writes shapes_gen_test.go: a constructor per generated
// struct, so tests can compare every type with the model.
func (g *generator) writeShapeRegistry(w *bytes.Buffer) {
	w.WriteString("package api\n\n")
	w.WriteString("// generatedShapes returns a new zero value of every struct generated from a\n")
	w.WriteString("// structure shape, by shape name.\n")
	w.WriteString("var generatedShapes = map[string]func() any{\n")
	for _, name := range g.structs {
		fmt.Fprintf(w, "\t%q: func() any { return new(%s) },\n", name, name)
	}
	w.WriteString("}\n")
}

// writeOperations writes operations_gen.go: the operation table.
func (g *generator) writeOperations(w *bytes.Buffer) {
	w.WriteString("package api\n\n")
	w.WriteString("// Operations describes every operation of the AWS Config API, by name.\n")
	w.WriteString("var Operations = map[string]*Operation{\n")
	names := sortedKeys(g.m.Operations)
	for _, name := range names {
		op := g.m.Operations[name]
		in := op.Input
		if in == "" {
			in = g.synthetic[name]
		}
		fmt.Fprintf(w, "\t%q: {\n", name)
		fmt.Fprintf(w, "\t\tName: %q,\n", name)
		fmt.Fprintf(w, "\t\tNewInput: func() Input { return new(%s) },\n", in)
		if op.Output != "" {
			fmt.Fprintf(w, "\t\tNewOutput: func() any { return new(%s) },\n", op.Output)
		}
		if len(op.Errors) > 0 {
			fmt.Fprintf(w, "\t\tErrors: []string{%s},\n", quoteList(op.Errors))
		}
		if p := op.Paginator; p != nil {
			fmt.Fprintf(w, "\t\tPaginator: &Paginator{InputToken: %q, OutputToken: %q, LimitKey: %q, ResultKeys: []string{%s}",
				p.InputToken, p.OutputToken, p.LimitKey, quoteList(p.ResultKeys))
			if len(p.NonAggregateKeys) > 0 {
				fmt.Fprintf(w, ", NonAggregateKeys: []string{%s}", quoteList(p.NonAggregateKeys))
			}
			w.WriteString("},\n")
		}
		w.WriteString("\t},\n")
	}
	w.WriteString("}\n\n")
	w.WriteString("// OperationNames lists the names of all operations, sorted.\n")
	w.WriteString("var OperationNames = []string{\n")
	for _, name := range names {
		fmt.Fprintf(w, "\t%q,\n", name)
	}
	w.WriteString("}\n")
}
