package storetest

import (
	"context"
	"testing"

	"github.com/configd/configd"
)

var metaTests = []test{
	{"OK", func(t *testing.T, s configd.Store) {
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			v, err := tx.Meta(ctx, "instance-id")
			must(t, "Meta of absent key", err)
			wantEqual(t, "Meta of absent key", v, "")
			v, err = tx.SetMetaIfAbsent(ctx, "instance-id", "first")
			must(t, "SetMetaIfAbsent", err)
			wantEqual(t, "SetMetaIfAbsent of absent key", v, "first")
			v, err = tx.SetMetaIfAbsent(ctx, "instance-id", "second")
			must(t, "SetMetaIfAbsent", err)
			wantEqual(t, "SetMetaIfAbsent of present key", v, "first")
			must(t, "SetMeta", tx.SetMeta(ctx, "schedule", "a"))
			must(t, "SetMeta", tx.SetMeta(ctx, "schedule", "b"))
			v, err = tx.Meta(ctx, "schedule")
			must(t, "Meta", err)
			wantEqual(t, "Meta after SetMeta twice", v, "b")
			return nil
		})
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			v, err := tx.Meta(ctx, "instance-id")
			must(t, "Meta", err)
			wantEqual(t, "Meta after commit", v, "first")
			v, err = tx.Meta(ctx, "other")
			must(t, "Meta", err)
			wantEqual(t, "Meta of other key", v, "")
			return nil
		})
	}},
}

// namedKind drives the same CRUD tests over recorders, delivery channels and
// retention configurations.
type namedKind struct {
	code    string                // error code when absent
	message func(string) string   // AWS's message when absent
	fixture func(name string) any // a full object named name
	changed func(v any) any       // a changed copy of a fixture
	get     func(context.Context, configd.Tx, configd.Scope, string) (any, error)
	list    func(context.Context, configd.Tx, configd.Scope) ([]any, error)
	put     func(context.Context, configd.Tx, configd.Scope, any) error
	del     func(context.Context, configd.Tx, configd.Scope, string) error
}

var recorderKind = namedKind{
	code: configd.ErrNoSuchConfigurationRecorder,
	message: func(n string) string {
		return "Cannot find configuration recorder with the specified name '" + n + "'."
	},
	fixture: func(n string) any { return fullRecorder(n) },
	changed: func(v any) any {
		r := *v.(*configd.Recorder)
		r.Recording = false
		r.RoleARN = "arn:aws:iam::111111111111:role/other"
		r.RecordingGroup = configd.RecordingGroup{AllSupported: true, RecordingStrategy: configd.StrategyAllSupported}
		r.RecordingMode = configd.RecordingMode{RecordingFrequency: configd.FrequencyDaily}
		r.LastStopTime = minute(9)
		return &r
	},
	get: func(ctx context.Context, tx configd.Tx, sc configd.Scope, n string) (any, error) {
		return tx.GetRecorder(ctx, sc, n)
	},
	list: func(ctx context.Context, tx configd.Tx, sc configd.Scope) ([]any, error) {
		rs, err := tx.ListRecorders(ctx, sc)
		return anys(rs), err
	},
	put: func(ctx context.Context, tx configd.Tx, sc configd.Scope, v any) error {
		return tx.PutRecorder(ctx, sc, v.(*configd.Recorder))
	},
	del: func(ctx context.Context, tx configd.Tx, sc configd.Scope, n string) error {
		return tx.DeleteRecorder(ctx, sc, n)
	},
}

var channelKind = namedKind{
	code:    configd.ErrNoSuchDeliveryChannel,
	message: func(n string) string { return "Cannot find delivery channel with specified name '" + n + "'." },
	fixture: func(n string) any { return fullChannel(n) },
	changed: func(v any) any {
		c := *v.(*configd.DeliveryChannel)
		c.S3BucketName = "other-bucket"
		c.SNSTopicARN = ""
		c.Snapshot = configd.DeliveryInfo{LastStatus: "Success", LastSuccessfulTime: minute(50)}
		return &c
	},
	get: func(ctx context.Context, tx configd.Tx, sc configd.Scope, n string) (any, error) {
		return tx.GetDeliveryChannel(ctx, sc, n)
	},
	list: func(ctx context.Context, tx configd.Tx, sc configd.Scope) ([]any, error) {
		cs, err := tx.ListDeliveryChannels(ctx, sc)
		return anys(cs), err
	},
	put: func(ctx context.Context, tx configd.Tx, sc configd.Scope, v any) error {
		return tx.PutDeliveryChannel(ctx, sc, v.(*configd.DeliveryChannel))
	},
	del: func(ctx context.Context, tx configd.Tx, sc configd.Scope, n string) error {
		return tx.DeleteDeliveryChannel(ctx, sc, n)
	},
}

var retentionKind = namedKind{
	code: configd.ErrNoSuchRetentionConfiguration,
	message: func(n string) string {
		return "Cannot find retention configuration with the specified name '" + n + "'."
	},
	fixture: func(n string) any { return &configd.RetentionConfiguration{Name: n, RetentionPeriodInDays: 2557} },
	changed: func(v any) any {
		r := *v.(*configd.RetentionConfiguration)
		r.RetentionPeriodInDays = 30
		return &r
	},
	get: func(ctx context.Context, tx configd.Tx, sc configd.Scope, n string) (any, error) {
		return tx.GetRetention(ctx, sc, n)
	},
	list: func(ctx context.Context, tx configd.Tx, sc configd.Scope) ([]any, error) {
		rs, err := tx.ListRetentions(ctx, sc)
		return anys(rs), err
	},
	put: func(ctx context.Context, tx configd.Tx, sc configd.Scope, v any) error {
		return tx.PutRetention(ctx, sc, v.(*configd.RetentionConfiguration))
	},
	del: func(ctx context.Context, tx configd.Tx, sc configd.Scope, n string) error {
		return tx.DeleteRetention(ctx, sc, n)
	},
}

// anys converts a typed slice to []any.
func anys[T any](vs []T) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

var (
	recorderTests  = namedTests(recorderKind)
	channelTests   = namedTests(channelKind)
	retentionTests = namedTests(retentionKind)
)

// namedTests returns the CRUD tests of a kind of named object.
func namedTests(k namedKind) []test {
	return []test{
		{"OK", func(t *testing.T, s configd.Store) {
			a, b, c := k.fixture("a"), k.fixture("b"), k.fixture("c")
			write(t, s, func(ctx context.Context, tx configd.Tx) error {
				for _, v := range []any{b, c, a} {
					must(t, "put", k.put(ctx, tx, scopeA, v))
				}
				return nil
			})
			read(t, s, func(ctx context.Context, tx configd.Tx) error {
				got, err := k.get(ctx, tx, scopeA, "b")
				must(t, "get", err)
				wantEqual(t, "get after put", got, b)
				all, err := k.list(ctx, tx, scopeA)
				must(t, "list", err)
				wantEqual(t, "list (ordered by name)", all, []any{a, b, c})
				return nil
			})
		}},
		{"Replace", func(t *testing.T, s configd.Store) {
			a := k.fixture("a")
			changed := k.changed(a)
			write(t, s, func(ctx context.Context, tx configd.Tx) error {
				must(t, "put", k.put(ctx, tx, scopeA, a))
				return nil
			})
			write(t, s, func(ctx context.Context, tx configd.Tx) error {
				must(t, "put again", k.put(ctx, tx, scopeA, changed))
				return nil
			})
			read(t, s, func(ctx context.Context, tx configd.Tx) error {
				got, err := k.get(ctx, tx, scopeA, "a")
				must(t, "get", err)
				wantEqual(t, "get after replace", got, changed)
				all, err := k.list(ctx, tx, scopeA)
				must(t, "list", err)
				wantEqual(t, "list after replace", all, []any{changed})
				return nil
			})
		}},
		{"Delete", func(t *testing.T, s configd.Store) {
			a, b := k.fixture("a"), k.fixture("b")
			write(t, s, func(ctx context.Context, tx configd.Tx) error {
				must(t, "put", k.put(ctx, tx, scopeA, a))
				must(t, "put", k.put(ctx, tx, scopeA, b))
				return nil
			})
			write(t, s, func(ctx context.Context, tx configd.Tx) error {
				must(t, "delete", k.del(ctx, tx, scopeA, "a"))
				return nil
			})
			read(t, s, func(ctx context.Context, tx configd.Tx) error {
				_, err := k.get(ctx, tx, scopeA, "a")
				wantCode(t, "get after delete", err, k.code, k.message("a"))
				all, err := k.list(ctx, tx, scopeA)
				must(t, "list", err)
				wantEqual(t, "list after delete", all, []any{b})
				return nil
			})
		}},
		{"ListEmpty", func(t *testing.T, s configd.Store) {
			read(t, s, func(ctx context.Context, tx configd.Tx) error {
				all, err := k.list(ctx, tx, scopeA)
				must(t, "list", err)
				if len(all) != 0 {
					t.Errorf("list of empty store: %v", all)
				}
				return nil
			})
		}},
		{"ErrNotFound", func(t *testing.T, s configd.Store) {
			write(t, s, func(ctx context.Context, tx configd.Tx) error {
				must(t, "put", k.put(ctx, tx, scopeA, k.fixture("present")))
				_, err := k.get(ctx, tx, scopeA, "absent")
				wantCode(t, "get", err, k.code, k.message("absent"))
				err = k.del(ctx, tx, scopeA, "absent")
				wantCode(t, "delete", err, k.code, k.message("absent"))
				return nil
			})
			read(t, s, func(ctx context.Context, tx configd.Tx) error {
				_, err := k.get(ctx, tx, scopeA, "present")
				must(t, "get of the other object", err)
				return nil
			})
		}},
	}
}

const (
	arn1 = "arn:aws:config:us-east-1:111111111111:config-rule/config-rule-1"
	arn2 = "arn:aws:config:us-east-1:111111111111:config-rule/config-rule-2"
)

// listTags reads the tags of arn in scope.
func listTags(t *testing.T, s configd.Store, scope configd.Scope, arn string) []configd.Tag {
	t.Helper()
	var tags []configd.Tag
	read(t, s, func(ctx context.Context, tx configd.Tx) error {
		var err error
		tags, err = tx.ListTags(ctx, scope, arn)
		return err
	})
	return tags
}

var tagTests = []test{
	{"OK", func(t *testing.T, s configd.Store) {
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			must(t, "PutTags", tx.PutTags(ctx, scopeA, arn1, []configd.Tag{{Key: "b", Value: "1"}, {Key: "a", Value: "2"}}))
			must(t, "PutTags", tx.PutTags(ctx, scopeA, arn2, []configd.Tag{{Key: "a", Value: "other"}}))
			return nil
		})
		wantEqual(t, "tags (ordered by key)", listTags(t, s, scopeA, arn1), []configd.Tag{{Key: "a", Value: "2"}, {Key: "b", Value: "1"}})
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			return tx.PutTags(ctx, scopeA, arn1, []configd.Tag{{Key: "a", Value: "3"}, {Key: "c", Value: ""}})
		})
		wantEqual(t, "tags after overwrite", listTags(t, s, scopeA, arn1),
			[]configd.Tag{{Key: "a", Value: "3"}, {Key: "b", Value: "1"}, {Key: "c", Value: ""}})
		wantEqual(t, "tags of the other arn", listTags(t, s, scopeA, arn2), []configd.Tag{{Key: "a", Value: "other"}})
	}},
	{"Delete", func(t *testing.T, s configd.Store) {
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			must(t, "PutTags", tx.PutTags(ctx, scopeA, arn1, []configd.Tag{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}, {Key: "c", Value: "3"}}))
			must(t, "PutTags", tx.PutTags(ctx, scopeA, arn2, []configd.Tag{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}}))
			return nil
		})
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			return tx.DeleteTags(ctx, scopeA, arn1, []string{"b", "absent"})
		})
		wantEqual(t, "tags after DeleteTags", listTags(t, s, scopeA, arn1), []configd.Tag{{Key: "a", Value: "1"}, {Key: "c", Value: "3"}})
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			return tx.DeleteAllTags(ctx, scopeA, arn1)
		})
		if got := listTags(t, s, scopeA, arn1); len(got) != 0 {
			t.Errorf("tags after DeleteAllTags: %v", got)
		}
		wantEqual(t, "tags of the other arn", listTags(t, s, scopeA, arn2), []configd.Tag{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}})
	}},
	{"Absent", func(t *testing.T, s configd.Store) {
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			tags, err := tx.ListTags(ctx, scopeA, arn1)
			must(t, "ListTags of unknown arn", err)
			if len(tags) != 0 {
				t.Errorf("ListTags of unknown arn: %v", tags)
			}
			must(t, "DeleteTags of unknown arn", tx.DeleteTags(ctx, scopeA, arn1, []string{"a"}))
			must(t, "DeleteAllTags of unknown arn", tx.DeleteAllTags(ctx, scopeA, arn1))
			must(t, "PutTags of no tags", tx.PutTags(ctx, scopeA, arn1, nil))
			return nil
		})
	}},
}

var scopeTests = []test{
	{"Empty", func(t *testing.T, s configd.Store) {
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			scopes, err := tx.Scopes(ctx)
			must(t, "Scopes", err)
			if len(scopes) != 0 {
				t.Errorf("Scopes of an empty store: %v", scopes)
			}
			return nil
		})
	}},
	{"OK", func(t *testing.T, s configd.Store) {
		d := configd.Scope{AccountID: "333333333333", Region: "ap-south-1"}
		e := configd.Scope{AccountID: "444444444444", Region: "sa-east-1"}
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			must(t, "PutRecorder", tx.PutRecorder(ctx, scopeA, fullRecorder("r")))
			must(t, "PutRecorder", tx.PutRecorder(ctx, scopeA, fullRecorder("r2")))
			must(t, "PutDeliveryChannel", tx.PutDeliveryChannel(ctx, scopeB, fullChannel("c")))
			must(t, "PutRetention", tx.PutRetention(ctx, scopeC, &configd.RetentionConfiguration{Name: "default", RetentionPeriodInDays: 30}))
			must(t, "PutTags", tx.PutTags(ctx, d, arn1, []configd.Tag{{Key: "k", Value: "v"}}))
			_, err := tx.AppendItem(ctx, e, item(typeInstance, "i-1", "", t0))
			must(t, "AppendItem", err)
			_, err = tx.SetMetaIfAbsent(ctx, "k", "v") // meta belongs to no scope
			must(t, "SetMetaIfAbsent", err)
			return nil
		})
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			scopes, err := tx.Scopes(ctx)
			must(t, "Scopes", err)
			wantEqual(t, "Scopes", sortedScopes(scopes), sortedScopes([]configd.Scope{scopeA, scopeB, scopeC, d, e}))
			return nil
		})
	}},
	{"AfterDelete", func(t *testing.T, s configd.Store) {
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			must(t, "PutRecorder", tx.PutRecorder(ctx, scopeA, fullRecorder("r")))
			must(t, "PutRecorder", tx.PutRecorder(ctx, scopeB, fullRecorder("r")))
			return nil
		})
		write(t, s, func(ctx context.Context, tx configd.Tx) error {
			return tx.DeleteRecorder(ctx, scopeB, "r")
		})
		read(t, s, func(ctx context.Context, tx configd.Tx) error {
			scopes, err := tx.Scopes(ctx)
			must(t, "Scopes", err)
			wantEqual(t, "Scopes after the only object of a scope was deleted", sortedScopes(scopes), sortedScopes([]configd.Scope{scopeA}))
			return nil
		})
	}},
}
