// Command seed fills a configd data directory with configuration items fast,
// so that benchmarks can run against a large store: resources of the
// benchmark corpus (bench/internal/corpus), each with several versions of a
// ~1.7 KB configuration, written through the store's own AppendItem with
// thousands of items per transaction (one transaction per item, as
// PutResourceConfig does, would take far longer). It also creates and
// starts a configuration recorder with a delivery channel, so that
// PutResourceConfig works on the seeded store.
//
//	seed -data-dir /tmp/configd-1m -items 1000000 -versions 4
//
// The items are what service.Record would have stored for the same puts:
// version 1 is ResourceDiscovered, later ones OK, capture times increase per
// resource, configurationStateId is the capture time in epoch milliseconds.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/configd/configd"
	"github.com/configd/configd/bench/internal/corpus"
	"github.com/configd/configd/service"
	"github.com/configd/configd/sqlite"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "seed:", err)
		}
		os.Exit(1)
	}
}

// Options say what to seed.
type Options struct {
	DataDir  string
	Items    int // configuration items in all
	Versions int // versions per resource
	Batch    int // items per transaction
	Scope    configd.Scope
	// Now is the clock; the newest version is captured a little before it.
	Now func() time.Time
	// Progress, if set, receives a line every few seconds.
	Progress io.Writer
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := Options{Now: time.Now, Progress: stderr}
	fs.StringVar(&o.DataDir, "data-dir", "", "configd data directory to fill (created if missing; must not hold benchmark items yet)")
	fs.IntVar(&o.Items, "items", 1_000_000, "configuration items to write")
	fs.IntVar(&o.Versions, "versions", 4, "versions per resource (resources = items / versions)")
	fs.IntVar(&o.Batch, "batch", 5000, "items per transaction")
	fs.StringVar(&o.Scope.AccountID, "account", "123456789012", "account to write into (the benchmark key's)")
	fs.StringVar(&o.Scope.Region, "region", configd.DefaultRegion, "region to write into")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.DataDir == "" {
		return fmt.Errorf("-data-dir is required")
	}
	start := time.Now()
	st, err := Seed(ctx, o)
	if err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	fmt.Fprintf(stdout, "seeded %d configuration items (%d resources × %d versions) into %s in %.1fs (%.0f items/s); database %.0f MB\n",
		st.Items, st.Resources, o.Versions, o.DataDir, secs, float64(st.Items)/secs, float64(st.Bytes)/(1<<20))
	return nil
}

// Stats is what Seed wrote.
type Stats struct {
	Items, Resources int
	Bytes            int64 // database files on disk
}

// Seed writes o.Items items into the store of o.DataDir.
func Seed(ctx context.Context, o Options) (Stats, error) {
	if o.Versions < 1 || o.Items < o.Versions || o.Batch < 1 {
		return Stats{}, fmt.Errorf("want -versions >= 1, -items >= -versions, -batch >= 1")
	}
	resources := o.Items / o.Versions
	// Versions are an hour apart and resources a millisecond apart within a
	// version, so every resource's capture times increase.
	if resources >= int(time.Hour/time.Millisecond) {
		return Stats{}, fmt.Errorf("at most %d resources", int(time.Hour/time.Millisecond)-1)
	}
	if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
		return Stats{}, err
	}
	path := filepath.Join(o.DataDir, "configd.db")
	store, err := sqlite.Open(ctx, path)
	if err != nil {
		return Stats{}, err
	}
	defer store.Close()
	if err := setupRecorder(ctx, store, o.Scope); err != nil {
		return Stats{}, err
	}
	err = store.Read(ctx, func(tx configd.Tx) error {
		_, err := tx.LatestItem(ctx, o.Scope, configd.ResourceKey{ResourceType: corpus.ResourceType, ResourceID: corpus.ResourceID(0)})
		if err == nil {
			return fmt.Errorf("%s already holds benchmark items; seed an empty data directory", o.DataDir)
		}
		if configd.IsCode(err, configd.ErrResourceNotDiscovered) {
			return nil
		}
		return err
	})
	if err != nil {
		return Stats{}, err
	}

	// One goroutine builds batches while the writer appends the previous.
	base := o.Now().UTC().Truncate(time.Millisecond).Add(-time.Duration(o.Versions+1) * time.Hour)
	batches := make(chan []*configd.ConfigurationItem, 2)
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	total := resources * o.Versions
	go func() {
		defer close(batches)
		b := make([]*configd.ConfigurationItem, 0, o.Batch)
		for i := range total {
			v, n := i/resources+1, i%resources
			b = append(b, item(o.Scope, base, n, v))
			if len(b) == o.Batch || i == total-1 {
				select {
				case batches <- b:
				case <-gctx.Done():
					return
				}
				b = make([]*configd.ConfigurationItem, 0, o.Batch)
			}
		}
	}()
	written, last := 0, time.Now()
	for b := range batches {
		err := store.Write(ctx, func(tx configd.Tx) error {
			for _, ci := range b {
				if _, err := tx.AppendItem(ctx, o.Scope, ci); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return Stats{}, fmt.Errorf("write items %d..%d: %w", written, written+len(b), err)
		}
		written += len(b)
		if o.Progress != nil && time.Since(last) > 5*time.Second {
			fmt.Fprintf(o.Progress, "seed: %d of %d items\n", written, total)
			last = time.Now()
		}
	}
	if err := ctx.Err(); err != nil {
		return Stats{}, err
	}
	st := Stats{Items: written, Resources: resources}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if fi, err := os.Stat(path + suffix); err == nil {
			st.Bytes += fi.Size()
		}
	}
	return st, nil
}

// item is version v of resource n as service.Record stores it after a
// PutResourceConfig.
func item(scope configd.Scope, base time.Time, n, v int) *configd.ConfigurationItem {
	capture := base.Add(time.Duration(v-1)*time.Hour + time.Duration(n)*time.Millisecond)
	status := configd.CIStatusOK
	if v == 1 {
		status = configd.CIStatusResourceDiscovered
	}
	return &configd.ConfigurationItem{
		Version:            configd.CIVersion,
		AccountID:          scope.AccountID,
		Region:             scope.Region,
		CaptureTime:        capture,
		Status:             status,
		StateID:            strconv.FormatInt(capture.UnixMilli(), 10),
		ResourceType:       corpus.ResourceType,
		ResourceID:         corpus.ResourceID(n),
		ResourceName:       corpus.ResourceName(n),
		Tags:               corpus.Tags(n),
		Configuration:      string(corpus.Configuration(n, v)),
		RecordingFrequency: configd.FrequencyContinuous,
		SchemaVersionID:    corpus.SchemaVersionID,
	}
}

// setupRecorder creates and starts a recorder with a delivery channel, as
// the load generator's setup does over the API.
func setupRecorder(ctx context.Context, store configd.Store, scope configd.Scope) error {
	svc := service.New(service.Options{Store: store})
	if _, err := svc.PutRecorder(ctx, scope, &configd.Recorder{
		Name: "default", RoleARN: "arn:aws:iam::" + scope.AccountID + ":role/config-recorder",
		RecordingGroup: configd.RecordingGroup{AllSupported: true},
	}, nil); err != nil {
		return fmt.Errorf("put recorder: %w", err)
	}
	if err := svc.PutDeliveryChannel(ctx, scope, &configd.DeliveryChannel{Name: "default", S3BucketName: "configd-bench"}); err != nil {
		return fmt.Errorf("put delivery channel: %w", err)
	}
	if err := svc.StartRecorder(ctx, scope, "default"); err != nil {
		return fmt.Errorf("start recorder: %w", err)
	}
	return nil
}
