package main

import (
	"bytes"
	"fmt"
	"strings"
)

// enumExceptions lists the enum shapes whose values are not checked against
// the model's enum, with the reason. EnumValues still reports their values.
var enumExceptions = map[string]string{
	// PutResourceConfig records third-party resource types such as
	// MyCorp::App::Thing, and the operations that read configuration items
	// back (ListDiscoveredResources, GetResourceConfigHistory,
	// BatchGetResourceConfig, ...) take them as ResourceType. See
	// https://docs.aws.amazon.com/config/latest/APIReference/API_PutResourceConfig.html
	"ResourceType": "custom resource types recorded by PutResourceConfig are accepted",
}

// writeValidate writes validate_gen.go: enum tables, compiled patterns, a
// validate method per structure and Validate per operation input.
func (g *generator) writeValidate(w *bytes.Buffer) {
	var body bytes.Buffer
	g.writeEnums(&body)
	g.writePatterns(&body)
	for _, name := range g.structs {
		g.writeStructValidate(&body, g.m.Shapes[name])
	}
	for _, op := range sortedKeys(g.synthetic) {
		fmt.Fprintf(&body, "func (s *%s) validate(path string, v *Validator) {}\n\n", g.synthetic[op])
	}
	for _, in := range g.inputTypes() {
		writeInputValidate(&body, in)
	}

	w.WriteString("package api\n\nimport (\n")
	for _, imp := range []string{"regexp", "slices", "strconv", "unicode/utf8"} {
		short := imp[strings.LastIndex(imp, "/")+1:]
		if bytes.Contains(body.Bytes(), []byte(short+".")) {
			fmt.Fprintf(w, "\t%q\n", imp)
		}
	}
	w.WriteString(")\n\n")
	w.Write(body.Bytes())
}

// inputTypes returns the sorted names of the operations' input types.
func (g *generator) inputTypes() []string {
	set := map[string]bool{}
	for name, op := range g.m.Operations {
		if op.Input != "" {
			set[op.Input] = true
		} else {
			set[g.synthetic[name]] = true
		}
	}
	return sortedKeys(set)
}

func enumVar(shape string) string    { return "enum" + shape }
func patternVar(shape string) string { return "pattern" + shape }

func (g *generator) writeEnums(w *bytes.Buffer) {
	var enums []string
	for _, name := range sortedKeys(g.m.Shapes) {
		if len(g.m.Shapes[name].Enum) > 0 {
			enums = append(enums, name)
		}
	}
	w.WriteString("// The values of each enum shape, in model order.\nvar (\n")
	for _, name := range enums {
		fmt.Fprintf(w, "\t%s = []string{%s}\n", enumVar(name), quoteList(g.m.Shapes[name].Enum))
	}
	w.WriteString(")\n\n")
	w.WriteString("// enumValues maps each enum shape to its values, in model order.\n")
	w.WriteString("var enumValues = map[string][]string{\n")
	for _, name := range enums {
		fmt.Fprintf(w, "\t%q: %s,\n", name, enumVar(name))
	}
	w.WriteString("}\n\n")
	w.WriteString("// EnumValues returns a copy of the values of the enum shape, in model\n")
	w.WriteString("// order, or nil if shape is not an enum.\n")
	w.WriteString("func EnumValues(shape string) []string { return slices.Clone(enumValues[shape]) }\n\n")
}

func (g *generator) writePatterns(w *bytes.Buffer) {
	w.WriteString("// The patterns of string shapes. AWS matches a pattern against the whole\n")
	w.WriteString("// value, so each is anchored.\nvar (\n")
	for _, name := range sortedKeys(g.m.Shapes) {
		if p := g.m.Shapes[name].Pattern; p != "" {
			fmt.Fprintf(w, "\t%s = regexp.MustCompile(%q)\n", patternVar(name), "^(?:"+p+")$")
		}
	}
	w.WriteString(")\n\n")
}

func writeInputValidate(w *bytes.Buffer, name string) {
	fmt.Fprintf(w, "// Validate checks s against the constraints of the model and returns a\n")
	fmt.Fprintf(w, "// *configd.Error with code ValidationException listing every violation, or nil.\n")
	fmt.Fprintf(w, "func (s *%s) Validate() error {\n", name)
	fmt.Fprintf(w, "\tif s == nil {\n\t\ts = new(%s)\n\t}\n", name)
	w.WriteString("\tvar v Validator\n\ts.validate(\"\", &v)\n\treturn v.Err()\n}\n\n")
}

func (g *generator) writeStructValidate(w *bytes.Buffer, s *shape) {
	fmt.Fprintf(w, "func (s *%s) validate(path string, v *Validator) {\n", s.Name)
	for _, mb := range s.Members {
		g.writeMember(w, s, mb)
	}
	w.WriteString("}\n\n")
}

// writeMember writes the checks of one structure member: required first,
// then the constraints of its shape when it is set.
func (g *generator) writeMember(w *bytes.Buffer, s *shape, mb member) {
	ms := g.m.Shapes[mb.Shape]
	req := s.Required[mb.Name]
	checks := g.checks[mb.Shape]
	if !req && !checks {
		return
	}
	field := "s." + exportName(mb.Name)
	name := quote(wireName(mb.Name))

	absent := field + " == nil"
	val := field
	switch ms.Type {
	case "string":
		absent = field + ` == ""`
	case "integer", "long":
		val = "*" + field
	}
	present := strings.Replace(absent, "==", "!=", 1)

	var inner bytes.Buffer
	if checks {
		// A set string member is non-empty: "" means unset.
		g.writeChecks(&inner, mb.Shape, val, "path", name, 0, ms.Type == "string")
	}
	switch {
	case req && checks:
		fmt.Fprintf(w, "\tif %s {\n\t\tv.null(path, %s)\n\t} else {\n%s\t}\n", absent, name, inner.Bytes())
	case req:
		fmt.Fprintf(w, "\tif %s {\n\t\tv.null(path, %s)\n\t}\n", absent, name)
	default:
		fmt.Fprintf(w, "\tif %s {\n%s\t}\n", present, inner.Bytes())
	}
}

// writeChecks writes the checks of a present value val of shape name. path
// and name are Go expressions of the parent path and of the value's name in
// it; name is only evaluated when a violation is reported. depth numbers the
// loop variables of nested lists and maps. nonEmpty tells that a string val
// cannot be "", so a minimum length of 1 need not be checked.
func (g *generator) writeChecks(w *bytes.Buffer, shapeName, val, path, name string, depth int, nonEmpty bool) {
	s := g.m.Shapes[shapeName]
	fail := func(render, constraint string) string {
		return fmt.Sprintf("v.fail(%s, %s, %s, %q)", path, name, render, constraint)
	}
	switch s.Type {
	case "string":
		bounds := *s
		if nonEmpty && bounds.Min != nil && *bounds.Min <= 1 {
			bounds.Min = nil
		}
		writeBounds(w, fmt.Sprintf("utf8.RuneCountInString(%s)", val), &bounds, "length", func(c string) string { return fail(val, c) })
		if g.enumChecked(s) {
			fmt.Fprintf(w, "if !slices.Contains(%s, %s) {\n%s\n}\n", enumVar(s.Name), val,
				fail(val, "Member must satisfy enum value set: ["+strings.Join(s.Enum, ", ")+"]"))
		}
		if s.Pattern != "" {
			fmt.Fprintf(w, "if !%s.MatchString(%s) {\n%s\n}\n", patternVar(s.Name), val,
				fail(val, "Member must satisfy regular expression pattern: "+s.Pattern))
		}
	case "integer", "long":
		// writeBounds binds the value to x.
		writeBounds(w, val, s, "value", func(c string) string { return fail("strconv.FormatInt(int64(x), 10)", c) })
	case "list":
		writeBounds(w, "len("+val+")", s, "length", func(c string) string { return fail("renderList("+val+")", c) })
		if g.checks[s.Member] {
			i := fmt.Sprintf("i%d", depth)
			elem := fmt.Sprintf("%s[%s]", val, i)
			elemName := fmt.Sprintf("elemName(%s, %s)", name, i)
			fmt.Fprintf(w, "for %s := range %s {\n", i, val)
			g.writeChecks(w, s.Member, elem, path, elemName, depth+1, false)
			w.WriteString("}\n")
		}
	case "map":
		writeBounds(w, "len("+val+")", s, "length", func(c string) string { return fail("renderJSON("+val+")", c) })
		if g.checks[s.Key] || g.checks[s.Value] {
			k := fmt.Sprintf("k%d", depth)
			fmt.Fprintf(w, "for _, %s := range sortedKeys(%s) {\n", k, val)
			if g.checks[s.Key] {
				g.writeChecks(w, s.Key, k, path, name, depth+1, false)
			}
			if g.checks[s.Value] {
				elem := fmt.Sprintf("%s[%s]", val, k)
				if g.m.Shapes[s.Value].Type == "structure" {
					// Map values are not addressable; validate a copy.
					mv := fmt.Sprintf("m%d", depth)
					fmt.Fprintf(w, "%s := %s\n", mv, elem)
					elem = mv
				}
				g.writeChecks(w, s.Value, elem, path, name, depth+1, false)
			}
			w.WriteString("}\n")
		}
	case "structure":
		fmt.Fprintf(w, "%s.validate(joinPath(%s, %s), v)\n", val, path, name)
	}
}

// writeBounds writes the min/max checks of shape s on the Go expression n.
// kind is "length" or "value", as in AWS's messages; a minimum length of 0
// can never fail and is left out.
func writeBounds(w *bytes.Buffer, n string, s *shape, kind string, fail func(constraint string) string) {
	var conds []string
	if s.Min != nil && (kind == "value" || *s.Min > 0) {
		conds = append(conds, fmt.Sprintf("x < %d {\n%s\n}", *s.Min,
			fail(fmt.Sprintf("Member must have %s greater than or equal to %d", kind, *s.Min))))
	}
	if s.Max != nil {
		conds = append(conds, fmt.Sprintf("x > %d {\n%s\n}", *s.Max,
			fail(fmt.Sprintf("Member must have %s less than or equal to %d", kind, *s.Max))))
	}
	if len(conds) == 0 {
		return
	}
	fmt.Fprintf(w, "if x := %s; %s\n", n, strings.Join(conds, " else if "))
}
