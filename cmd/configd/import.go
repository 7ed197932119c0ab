package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/configd/configd"
	"github.com/configd/configd/service"
	"github.com/configd/configd/snapshot"
	"github.com/configd/configd/sqlite"
)

// runImport records configuration items from files into one account and
// region, through the same write path as PutResourceConfig and discovery: a
// new version only when the resource's state changed.
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("import", stderr, "configd import --account 123456789012 --region us-east-1 snapshot.json.gz items.jsonl")
	dataDir := fs.String("data-dir", "./configd-data", "configd's data directory")
	account := fs.String("account", configd.DefaultAccountID, "account to record into")
	region := fs.String("region", configd.DefaultRegion, "region to record into")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	if !configd.ValidAccountID(*account) {
		return fmt.Errorf("--account %q: want 12 digits", *account)
	}
	if err := os.MkdirAll(*dataDir, 0o700); err != nil {
		return err
	}
	store, err := sqlite.Open(ctx, filepath.Join(*dataDir, "configd.db"))
	if err != nil {
		return err
	}
	defer store.Close()
	svc := service.New(service.Options{Store: store})
	scope := configd.Scope{AccountID: *account, Region: *region}
	var read, recorded int
	for _, path := range fs.Args() {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		err = snapshot.Read(f, func(ci *configd.ConfigurationItem) error {
			read++
			changed, err := svc.Record(ctx, scope, ci)
			if changed {
				recorded++
			}
			return err
		})
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	fmt.Fprintf(stdout, "read %d configuration items, recorded %d new versions into %s\n", read, recorded, scope)
	return nil
}
