package service

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/configd/configd"
	"github.com/configd/configd/snapshot"
)

// DefaultDeliveryChannelName is the name AWS gives a channel put without one.
const DefaultDeliveryChannelName = "default"

// maxDeliveryChannels: AWS allows one delivery channel per region.
const maxDeliveryChannels = 1

// Delivery statuses.
const (
	DeliverySuccess       = "Success"
	DeliveryFailure       = "Failure"
	DeliveryNotApplicable = "Not_Applicable"
)

// PutDeliveryChannel creates or updates the delivery channel. Messages are
// AWS's (https://docs.aws.amazon.com/config/latest/APIReference/API_PutDeliveryChannel.html).
func (s *Service) PutDeliveryChannel(ctx context.Context, scope configd.Scope, c *configd.DeliveryChannel) error {
	if c.Name == "" {
		c.Name = DefaultDeliveryChannelName
	}
	if strings.TrimSpace(c.Name) == "" {
		return configd.Errorf(configd.ErrInvalidDeliveryChannelName, "The delivery channel name '%s' is not valid, blank string.", c.Name)
	}
	if strings.TrimSpace(c.S3BucketName) == "" {
		return configd.Errorf(configd.ErrNoSuchBucket, "Cannot find a S3 bucket with an empty bucket name.")
	}
	if strings.Contains(c.S3KeyPrefix, "AWSLogs") {
		return configd.Errorf(configd.ErrInvalidS3KeyPrefix, "The s3 key prefix '%s' is not valid, it must not contain 'AWSLogs'.", c.S3KeyPrefix)
	}
	if c.SNSTopicARN != "" && !strings.HasPrefix(c.SNSTopicARN, "arn:") {
		return configd.Errorf(configd.ErrInvalidSNSTopicARN, "The sns topic arn '%s' is not valid.", c.SNSTopicARN)
	}
	if c.S3KmsKeyARN != "" && !strings.HasPrefix(c.S3KmsKeyARN, "arn:") {
		return configd.Errorf(configd.ErrInvalidS3KmsKeyArn, "The arn '%s' is not a valid kms key or alias arn.", c.S3KmsKeyARN)
	}
	return s.write(ctx, func(tx configd.Tx) error {
		if err := tx.Lock(ctx, scope, "delivery-channels"); err != nil {
			return err
		}
		recs, err := tx.ListRecorders(ctx, scope)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(recs, func(r *configd.Recorder) bool { return !r.ServiceLinked() }) {
			return configd.Errorf(configd.ErrNoAvailableConfigurationRecorder, "Configuration recorder is not available to put delivery channel.")
		}
		all, err := tx.ListDeliveryChannels(ctx, scope)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(all, func(o *configd.DeliveryChannel) bool { return o.Name == c.Name })
		if i < 0 && len(all) >= maxDeliveryChannels {
			return configd.Errorf(configd.ErrMaxNumberOfDeliveryChannels, "Failed to put delivery channel '%s' because the maximum number of delivery channels: %d is reached.", c.Name, maxDeliveryChannels)
		}
		n := *c
		if i >= 0 {
			n.Snapshot, n.History, n.Stream = all[i].Snapshot, all[i].History, all[i].Stream
		} else {
			n.Stream.LastStatus = DeliveryNotApplicable
		}
		return tx.PutDeliveryChannel(ctx, scope, &n)
	})
}

// DescribeDeliveryChannels returns the named channels, or all when names is empty.
func (s *Service) DescribeDeliveryChannels(ctx context.Context, scope configd.Scope, names []string) ([]*configd.DeliveryChannel, error) {
	var out []*configd.DeliveryChannel
	err := s.read(ctx, func(tx configd.Tx) error {
		if len(names) == 0 {
			all, err := tx.ListDeliveryChannels(ctx, scope)
			out = all
			return err
		}
		for _, n := range names {
			c, err := tx.GetDeliveryChannel(ctx, scope, n)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return nil
	})
	return out, err
}

// DeleteDeliveryChannel deletes a channel; not while a recorder is running.
func (s *Service) DeleteDeliveryChannel(ctx context.Context, scope configd.Scope, name string) error {
	return s.write(ctx, func(tx configd.Tx) error {
		if _, err := tx.GetDeliveryChannel(ctx, scope, name); err != nil {
			return err
		}
		recs, err := tx.ListRecorders(ctx, scope)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(recs, func(r *configd.Recorder) bool { return r.Recording && !r.ServiceLinked() }) {
			// AWS's message, repetition included.
			return configd.Errorf(configd.ErrLastDeliveryChannelDeleteFailed, "Failed to delete last specified delivery channel with name '%s', because there, because there is a running configuration recorder.", name)
		}
		return tx.DeleteDeliveryChannel(ctx, scope, name)
	})
}

// DeliverSnapshot writes a configuration snapshot of every current
// (non-deleted) resource of the scope to the channel's bucket, which configd
// keeps under its snapshot directory, at AWS's object key:
// <bucket>/<prefix>/AWSLogs/<account>/Config/<region>/<yyyy>/<m>/<d>/ConfigSnapshot/<account>_Config_<region>_ConfigSnapshot_<yyyymmddThhmmssZ>_<id>.json.gz
// It returns the snapshot id and records the delivery in the channel status.
func (s *Service) DeliverSnapshot(ctx context.Context, scope configd.Scope, name string) (string, error) {
	id := NewUUID()
	var ch *configd.DeliveryChannel
	var items []*configd.ConfigurationItem
	err := s.read(ctx, func(tx configd.Tx) error {
		var err error
		if ch, err = tx.GetDeliveryChannel(ctx, scope, name); err != nil {
			return err
		}
		recs, err := tx.ListRecorders(ctx, scope)
		if err != nil {
			return err
		}
		if len(recs) == 0 {
			return configd.Errorf(configd.ErrNoAvailableConfigurationRecorder, "There is no configuration recorder available to deliver a snapshot.")
		}
		if !slices.ContainsFunc(recs, func(r *configd.Recorder) bool { return r.Recording }) {
			return configd.Errorf(configd.ErrNoRunningConfigurationRecorder, "There is no configuration recorder running to deliver a snapshot.")
		}
		items, err = s.currentItems(ctx, tx, scope)
		return err
	})
	if err != nil {
		return "", err
	}
	now := s.clock.Now().UTC()
	key := filepath.Join(ch.S3KeyPrefix, "AWSLogs", scope.AccountID, "Config", scope.Region,
		fmt.Sprintf("%d/%d/%d", now.Year(), int(now.Month()), now.Day()), "ConfigSnapshot",
		fmt.Sprintf("%s_Config_%s_ConfigSnapshot_%s_%s.json.gz", scope.AccountID, scope.Region, now.Format("20060102T150405Z"), id))
	werr := s.writeObject(ch.S3BucketName, key, func(f *os.File) error { return snapshot.Write(f, id, items) })
	err = s.write(ctx, func(tx configd.Tx) error {
		c, err := tx.GetDeliveryChannel(ctx, scope, name)
		if err != nil {
			return err
		}
		c.Snapshot.LastAttemptTime = now
		if werr != nil {
			c.Snapshot.LastStatus, c.Snapshot.LastErrorCode, c.Snapshot.LastErrorMessage = DeliveryFailure, "InternalFailure", "The snapshot could not be written."
		} else {
			c.Snapshot.LastStatus, c.Snapshot.LastErrorCode, c.Snapshot.LastErrorMessage = DeliverySuccess, "", ""
			c.Snapshot.LastSuccessfulTime = now
		}
		return tx.PutDeliveryChannel(ctx, scope, c)
	})
	if werr != nil {
		return "", fmt.Errorf("write snapshot %s: %w", key, werr)
	}
	return id, err
}

// writeObject writes bucket/key under the snapshot directory atomically.
func (s *Service) writeObject(bucket, key string, write func(*os.File) error) error {
	if s.snapshotDir == "" {
		return fmt.Errorf("no snapshot directory configured")
	}
	// Bucket names and prefixes come from clients: keep them inside the directory.
	path := filepath.Join(s.snapshotDir, filepath.Clean("/"+bucket), filepath.Clean("/"+key))
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".snapshot-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// currentItems returns the latest item of every non-deleted resource.
func (s *Service) currentItems(ctx context.Context, tx configd.Tx, scope configd.Scope) ([]*configd.ConfigurationItem, error) {
	counts, err := tx.CountResources(ctx, scope, nil)
	if err != nil {
		return nil, err
	}
	var out []*configd.ConfigurationItem
	for _, c := range counts {
		after := ""
		for {
			page, err := tx.ListResources(ctx, scope, configd.ResourceFilter{ResourceType: c.ResourceType}, after, 500)
			if err != nil {
				return nil, err
			}
			for _, r := range page {
				it, err := tx.LatestItem(ctx, scope, configd.ResourceKey{ResourceType: r.ResourceType, ResourceID: r.ResourceID})
				if err != nil {
					return nil, err
				}
				out = append(out, &it.Item)
			}
			if len(page) < 500 {
				break
			}
			after = page[len(page)-1].ResourceID
		}
	}
	return out, nil
}
