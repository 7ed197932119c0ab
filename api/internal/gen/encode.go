package main

import (
	"bytes"
	"fmt"
)

// writeEncode writes encode_gen.go: an AppendJSON method per struct, which
// writes what encoding/json writes for the struct's `json:",omitzero"` tags
// (see api.Appender), member by member, without reflection.
func (g *generator) writeEncode(w *bytes.Buffer) {
	var body bytes.Buffer
	g.writeEncodeBody(&body)
	w.WriteString("package api\n\n")
	if bytes.Contains(body.Bytes(), []byte("strconv.")) {
		w.WriteString("import \"strconv\"\n\n")
	}
	w.Write(body.Bytes())
}

func (g *generator) writeEncodeBody(w *bytes.Buffer) {
	for _, name := range g.structs {
		s := g.m.Shapes[name]
		fmt.Fprintf(w, "// AppendJSON appends v's JSON encoding to b (see Appender).\n")
		fmt.Fprintf(w, "func (v *%s) AppendJSON(b []byte) []byte {\n", name)
		w.WriteString("\tif v == nil {\n\t\treturn append(b, \"null\"...)\n\t}\n")
		if len(s.Members) == 0 {
			w.WriteString("\treturn append(b, '{', '}')\n}\n\n")
			continue
		}
		w.WriteString("\tstart := len(b)\n")
		for _, mb := range s.Members {
			field := "v." + exportName(mb.Name)
			key := fmt.Sprintf("`,%q:`", mb.Name)
			ms := g.m.Shapes[mb.Shape]
			switch ms.Type {
			case "string":
				fmt.Fprintf(w, "\tif %s != \"\" {\n", field)
			case "timestamp":
				fmt.Fprintf(w, "\tif %s != nil && !%s.IsZero() {\n", field, field)
			case "integer", "long", "boolean", "structure", "list", "map":
				fmt.Fprintf(w, "\tif %s != nil {\n", field)
			default:
				panic("unsupported shape type " + ms.Type) // excluded by model.check
			}
			fmt.Fprintf(w, "\t\tb = append(b, %s...)\n", key)
			operand := field
			switch ms.Type {
			case "integer", "long", "boolean", "timestamp":
				operand = "*" + field
			}
			g.writeAppendValue(w, "\t\t", operand, mb.Shape, 0)
			w.WriteString("\t}\n")
		}
		w.WriteString("\treturn closeObject(b, start)\n}\n\n")
	}
	for _, op := range sortedKeys(g.synthetic) {
		tn := g.synthetic[op]
		fmt.Fprintf(w, "// AppendJSON appends v's JSON encoding, an empty object, to b.\n")
		fmt.Fprintf(w, "func (v *%s) AppendJSON(b []byte) []byte {\n", tn)
		w.WriteString("\tif v == nil {\n\t\treturn append(b, \"null\"...)\n\t}\n")
		w.WriteString("\treturn append(b, '{', '}')\n}\n\n")
	}
}

// writeAppendValue writes the statements appending the value expr of shape
// name to b. depth numbers the loop variables of nested lists and maps.
func (g *generator) writeAppendValue(w *bytes.Buffer, indent, expr, name string, depth int) {
	s := g.m.Shapes[name]
	switch s.Type {
	case "string":
		fmt.Fprintf(w, "%sb = AppendString(b, %s)\n", indent, expr)
	case "integer", "long":
		fmt.Fprintf(w, "%sb = strconv.AppendInt(b, int64(%s), 10)\n", indent, expr)
	case "boolean":
		fmt.Fprintf(w, "%sb = appendBool(b, %s)\n", indent, expr)
	case "timestamp":
		fmt.Fprintf(w, "%sb = appendTimestamp(b, %s)\n", indent, expr)
	case "structure":
		fmt.Fprintf(w, "%sb = %s.AppendJSON(b)\n", indent, expr)
	case "list":
		i := fmt.Sprintf("i%d", depth)
		fmt.Fprintf(w, "%sb = append(b, '[')\n", indent)
		fmt.Fprintf(w, "%sfor %s := range %s {\n", indent, i, expr)
		fmt.Fprintf(w, "%s\tif %s > 0 {\n%s\t\tb = append(b, ',')\n%s\t}\n", indent, i, indent, indent)
		g.writeAppendValue(w, indent+"\t", fmt.Sprintf("%s[%s]", expr, i), s.Member, depth+1)
		fmt.Fprintf(w, "%s}\n", indent)
		fmt.Fprintf(w, "%sb = append(b, ']')\n", indent)
	case "map":
		i, k, e := fmt.Sprintf("i%d", depth), fmt.Sprintf("k%d", depth), fmt.Sprintf("e%d", depth)
		fmt.Fprintf(w, "%sb = append(b, '{')\n", indent)
		fmt.Fprintf(w, "%sfor %s, %s := range mapKeys(%s) {\n", indent, i, k, expr)
		fmt.Fprintf(w, "%s\tif %s > 0 {\n%s\t\tb = append(b, ',')\n%s\t}\n", indent, i, indent, indent)
		fmt.Fprintf(w, "%s\tb = AppendString(b, %s)\n", indent, k)
		fmt.Fprintf(w, "%s\tb = append(b, ':')\n", indent)
		// A map value is not addressable: structures are copied out first.
		fmt.Fprintf(w, "%s\t%s := %s[%s]\n", indent, e, expr, k)
		value := e
		if g.m.Shapes[s.Value].Type == "structure" {
			value = "(&" + e + ")"
		}
		g.writeAppendValue(w, indent+"\t", value, s.Value, depth+1)
		fmt.Fprintf(w, "%s}\n", indent)
		fmt.Fprintf(w, "%sb = append(b, '}')\n", indent)
	default:
		panic("unsupported shape type " + s.Type) // excluded by model.check
	}
}
