package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/configd/configd"
)

// Document contract (configd.DocumentStore):
//
//   - GetDocument of an absent document is nil and no error;
//   - a name is unique per kind and scope: PutDocument replaces, and the
//     same name under another kind or scope is another document;
//   - ListDocuments orders by name byte-wise, starts after `after`, and a
//     limit of 0 means no limit;
//   - ListDocumentsAllScopes orders by account, region and name;
//   - Reset deletes every document.

// doc returns a document fixture.
func doc(kind, name, body string, at int) *configd.Document {
	return &configd.Document{
		Kind:      kind,
		Name:      name,
		ARN:       "arn:aws:config:us-east-1:111111111111:" + kind + "/" + name,
		Body:      body,
		UpdatedAt: minute(at),
	}
}

// docNames returns the names of ds.
func docNames(ds []*configd.Document) []string {
	out := []string{}
	for _, d := range ds {
		out = append(out, d.Name)
	}
	return out
}

var documentTests = []test{
	{"OK", func(t *testing.T, s configd.Store) {
		q := doc(configd.DocStoredQuery, "q1", `{"a":1}`, 1)
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			must(t, "PutDocument", tx.PutDocument(ctx, scopeA, q))
			return nil
		})
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			got, err := tx.GetDocument(ctx, scopeA, configd.DocStoredQuery, "q1")
			must(t, "GetDocument", err)
			wantEqual(t, "GetDocument", got, q)
			return nil
		})
		// Replace.
		q2 := doc(configd.DocStoredQuery, "q1", `{"a":2}`, 3)
		q2.ARN += "-v2"
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			must(t, "PutDocument again", tx.PutDocument(ctx, scopeA, q2))
			return nil
		})
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			got, err := tx.GetDocument(ctx, scopeA, configd.DocStoredQuery, "q1")
			must(t, "GetDocument", err)
			wantEqual(t, "GetDocument after replace", got, q2)
			return nil
		})
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			ok, err := tx.DeleteDocument(ctx, scopeA, configd.DocStoredQuery, "q1")
			must(t, "DeleteDocument", err)
			wantEqual(t, "DeleteDocument existed", ok, true)
			ok, err = tx.DeleteDocument(ctx, scopeA, configd.DocStoredQuery, "q1")
			must(t, "DeleteDocument twice", err)
			wantEqual(t, "DeleteDocument of absent", ok, false)
			return nil
		})
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			got, err := tx.GetDocument(ctx, scopeA, configd.DocStoredQuery, "q1")
			must(t, "GetDocument", err)
			if got != nil {
				t.Errorf("GetDocument after delete: %+v, want nil", got)
			}
			return nil
		})
	}},
	{"OKList", func(t *testing.T, s configd.Store) {
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			for _, n := range []string{"b", "a", "C", "B", "c"} {
				must(t, "PutDocument", tx.PutDocument(ctx, scopeA, doc(configd.DocStoredQuery, n, "{}", 0)))
			}
			must(t, "PutDocument", tx.PutDocument(ctx, scopeA, doc(configd.DocConfigurationAggregator, "a0", "{}", 0)))
			must(t, "PutDocument", tx.PutDocument(ctx, scopeB, doc(configd.DocStoredQuery, "zz", "{}", 0)))
			return nil
		})
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			all, err := tx.ListDocuments(ctx, scopeA, configd.DocStoredQuery, "", 0)
			must(t, "ListDocuments", err)
			wantEqual(t, "ListDocuments byte order", docNames(all), []string{"B", "C", "a", "b", "c"})
			page, err := tx.ListDocuments(ctx, scopeA, configd.DocStoredQuery, "C", 2)
			must(t, "ListDocuments page", err)
			wantEqual(t, "ListDocuments after C limit 2", docNames(page), []string{"a", "b"})
			page, err = tx.ListDocuments(ctx, scopeA, configd.DocStoredQuery, "c", 2)
			must(t, "ListDocuments end", err)
			wantEqual(t, "ListDocuments after last", docNames(page), []string{})
			other, err := tx.ListDocuments(ctx, scopeA, configd.DocConfigurationAggregator, "", 0)
			must(t, "ListDocuments other kind", err)
			wantEqual(t, "ListDocuments other kind", docNames(other), []string{"a0"})
			return nil
		})
	}},
	{"OKAllScopes", func(t *testing.T, s configd.Store) {
		k := configd.DocAggregationAuthorization
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			must(t, "PutDocument", tx.PutDocument(ctx, scopeC, doc(k, "x", "{}", 0)))
			must(t, "PutDocument", tx.PutDocument(ctx, scopeA, doc(k, "y", "{}", 0)))
			must(t, "PutDocument", tx.PutDocument(ctx, scopeB, doc(k, "z", "{}", 0)))
			must(t, "PutDocument", tx.PutDocument(ctx, scopeA, doc(k, "x", "{}", 0)))
			must(t, "PutDocument", tx.PutDocument(ctx, scopeA, doc(configd.DocStoredQuery, "x", "{}", 0)))
			return nil
		})
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			all, err := tx.ListDocumentsAllScopes(ctx, k, 0)
			must(t, "ListDocumentsAllScopes", err)
			type key struct{ acct, region, name string }
			var got []key
			for _, sd := range all {
				got = append(got, key{sd.Scope.AccountID, sd.Scope.Region, sd.Document.Name})
				if sd.Document.Kind != k {
					t.Errorf("kind %q, want %q", sd.Document.Kind, k)
				}
			}
			wantEqual(t, "ListDocumentsAllScopes", got, []key{
				{scopeB.AccountID, scopeB.Region, "z"},
				{scopeA.AccountID, scopeA.Region, "x"},
				{scopeA.AccountID, scopeA.Region, "y"},
				{scopeC.AccountID, scopeC.Region, "x"},
			})
			two, err := tx.ListDocumentsAllScopes(ctx, k, 2)
			must(t, "ListDocumentsAllScopes limit", err)
			wantEqual(t, "ListDocumentsAllScopes limit 2", len(two), 2)
			return nil
		})
	}},
	{"OKIsolation", func(t *testing.T, s configd.Store) {
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			must(t, "PutDocument", tx.PutDocument(ctx, scopeA, doc(configd.DocStoredQuery, "q", `{"s":"A"}`, 0)))
			return nil
		})
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			for _, sc := range []configd.Scope{scopeB, scopeC} {
				got, err := tx.GetDocument(ctx, sc, configd.DocStoredQuery, "q")
				must(t, "GetDocument", err)
				if got != nil {
					t.Errorf("GetDocument in %v: %+v, want nil", sc, got)
				}
			}
			got, err := tx.GetDocument(ctx, scopeA, configd.DocConfigurationAggregator, "q")
			must(t, "GetDocument other kind", err)
			if got != nil {
				t.Errorf("GetDocument of other kind: %+v, want nil", got)
			}
			return nil
		})
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			ok, err := tx.DeleteDocument(ctx, scopeC, configd.DocStoredQuery, "q")
			must(t, "DeleteDocument", err)
			wantEqual(t, "DeleteDocument in another scope", ok, false)
			return nil
		})
	}},
	{"OKReset", func(t *testing.T, s configd.Store) {
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			return tx.PutDocument(ctx, scopeA, doc(configd.DocStoredQuery, "q", "{}", 0))
		})
		must(t, "Reset", s.Reset(context.Background()))
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			all, err := tx.ListDocumentsAllScopes(ctx, configd.DocStoredQuery, 0)
			must(t, "ListDocumentsAllScopes", err)
			wantEqual(t, "documents after Reset", len(all), 0)
			return nil
		})
	}},
	{"ErrReadOnly", func(t *testing.T, s configd.Store) {
		err := view(s, func(ctx context.Context, tx configd.Tx) error {
			return tx.PutDocument(ctx, scopeA, doc(configd.DocStoredQuery, "q", "{}", 0))
		})
		if err == nil {
			t.Fatal("PutDocument in a Read: no error")
		}
		if errors.Is(err, context.Canceled) {
			t.Fatalf("PutDocument in a Read: %v", err)
		}
	}},
}
