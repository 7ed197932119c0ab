// Package itemcodec is the form in which the stores keep a configuration
// item: a compact binary framing of its fields, where the configuration and
// each supplementary configuration value are kept as the raw bytes of their
// JSON text, never escaped inside another JSON document. Reading an item back
// is a walk over length-prefixed fields: every string of the decoded item is
// a slice of one copy of the stored bytes, and nothing is parsed as JSON.
//
// Both store adapters (sqlite, postgres) use it, so that one encoding is
// tested once; it is internal to configd, and what is on disk is described
// here:
//
//	item    = format flags fields
//	format  = 0x01
//	flags   = one byte: bit 0 capture time set, bit 1 resource creation time
//	          set, bit 2 delivery time set, bit 3 tags not nil, bit 4 related
//	          events not nil, bit 5 relationships not nil, bit 6
//	          supplementary configuration not nil
//	fields  = version accountId [captureTime] status stateId md5Hash arn
//	          resourceType resourceId resourceName region availabilityZone
//	          [resourceCreationTime] [tags] [relatedEvents] [relationships]
//	          configuration [supplementary] recordingFrequency
//	          [deliveryTime] schemaVersionId
//	string  = uvarint(length) bytes
//	time    = zig-zag varint of epoch milliseconds (present only if its flag is)
//	tags, supplementary = uvarint(count) (string string)*, keys in byte order
//	relatedEvents       = uvarint(count) string*
//	relationships       = uvarint(count) (resourceType resourceId resourceName relationshipName)*
//
// Times come back in UTC with millisecond precision, as the stores have
// always kept them; a nil and an empty map or slice round-trip as they were.
package itemcodec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"
	"unsafe"

	"github.com/configd/configd"
)

// format is the first byte of every encoded item; a new layout gets a new
// number, and Decode refuses numbers it does not know.
const format = 1

// Bits of the flags byte.
const (
	hasCaptureTime = 1 << iota
	hasCreationTime
	hasDeliveryTime
	hasTags
	hasRelatedEvents
	hasRelationships
	hasSupplementary
)

// Append appends the encoding of ci to dst and returns the extended slice.
func Append(dst []byte, ci *configd.ConfigurationItem) []byte {
	var flags byte
	if !ci.CaptureTime.IsZero() {
		flags |= hasCaptureTime
	}
	if !ci.ResourceCreationTime.IsZero() {
		flags |= hasCreationTime
	}
	if !ci.DeliveryTime.IsZero() {
		flags |= hasDeliveryTime
	}
	if ci.Tags != nil {
		flags |= hasTags
	}
	if ci.RelatedEvents != nil {
		flags |= hasRelatedEvents
	}
	if ci.Relationships != nil {
		flags |= hasRelationships
	}
	if ci.SupplementaryConfiguration != nil {
		flags |= hasSupplementary
	}
	dst = slices.Grow(dst, Size(ci))
	dst = append(dst, format, flags)
	dst = appendString(dst, ci.Version)
	dst = appendString(dst, ci.AccountID)
	if flags&hasCaptureTime != 0 {
		dst = binary.AppendVarint(dst, ci.CaptureTime.UnixMilli())
	}
	dst = appendString(dst, ci.Status)
	dst = appendString(dst, ci.StateID)
	dst = appendString(dst, ci.MD5Hash)
	dst = appendString(dst, ci.ARN)
	dst = appendString(dst, ci.ResourceType)
	dst = appendString(dst, ci.ResourceID)
	dst = appendString(dst, ci.ResourceName)
	dst = appendString(dst, ci.Region)
	dst = appendString(dst, ci.AvailabilityZone)
	if flags&hasCreationTime != 0 {
		dst = binary.AppendVarint(dst, ci.ResourceCreationTime.UnixMilli())
	}
	if flags&hasTags != 0 {
		dst = appendMap(dst, ci.Tags)
	}
	if flags&hasRelatedEvents != 0 {
		dst = binary.AppendUvarint(dst, uint64(len(ci.RelatedEvents)))
		for _, e := range ci.RelatedEvents {
			dst = appendString(dst, e)
		}
	}
	if flags&hasRelationships != 0 {
		dst = binary.AppendUvarint(dst, uint64(len(ci.Relationships)))
		for _, r := range ci.Relationships {
			dst = appendString(dst, r.ResourceType)
			dst = appendString(dst, r.ResourceID)
			dst = appendString(dst, r.ResourceName)
			dst = appendString(dst, r.RelationshipName)
		}
	}
	dst = appendString(dst, ci.Configuration)
	if flags&hasSupplementary != 0 {
		dst = appendMap(dst, ci.SupplementaryConfiguration)
	}
	dst = appendString(dst, ci.RecordingFrequency)
	if flags&hasDeliveryTime != 0 {
		dst = binary.AppendVarint(dst, ci.DeliveryTime.UnixMilli())
	}
	dst = appendString(dst, ci.SchemaVersionID)
	return dst
}

// Size returns an upper bound of the length of ci's encoding.
func Size(ci *configd.ConfigurationItem) int {
	n := 2 + 3*binary.MaxVarintLen64 + 20*binary.MaxVarintLen32
	n += len(ci.Version) + len(ci.AccountID) + len(ci.Status) + len(ci.StateID) + len(ci.MD5Hash) +
		len(ci.ARN) + len(ci.ResourceType) + len(ci.ResourceID) + len(ci.ResourceName) + len(ci.Region) +
		len(ci.AvailabilityZone) + len(ci.Configuration) + len(ci.RecordingFrequency) + len(ci.SchemaVersionID)
	for k, v := range ci.Tags {
		n += len(k) + len(v) + 2*binary.MaxVarintLen32
	}
	for _, e := range ci.RelatedEvents {
		n += len(e) + binary.MaxVarintLen32
	}
	for _, r := range ci.Relationships {
		n += len(r.ResourceType) + len(r.ResourceID) + len(r.ResourceName) + len(r.RelationshipName) + 4*binary.MaxVarintLen32
	}
	for k, v := range ci.SupplementaryConfiguration {
		n += len(k) + len(v) + 2*binary.MaxVarintLen32
	}
	return n
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// appendMap appends m with its keys in byte order, so that equal items have
// equal encodings.
func appendMap(dst []byte, m map[string]string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(m)))
	var buf [16]string
	keys := buf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		dst = appendString(dst, k)
		dst = appendString(dst, m[k])
	}
	return dst
}

// ErrCorrupt is wrapped by the errors of Decode for bytes that are not an
// encoded item.
var ErrCorrupt = errors.New("itemcodec: corrupt configuration item")

// Decode decodes an item encoded by Append. The strings of the item are
// slices of s.
func Decode(s string) (configd.ConfigurationItem, error) {
	var ci configd.ConfigurationItem
	d := decoder{s: s}
	if len(s) < 2 {
		return ci, fmt.Errorf("%w: %d bytes", ErrCorrupt, len(s))
	}
	if s[0] != format {
		return ci, fmt.Errorf("%w: unknown format %d", ErrCorrupt, s[0])
	}
	flags := s[1]
	d.off = 2
	ci.Version = d.str()
	ci.AccountID = d.str()
	if flags&hasCaptureTime != 0 {
		ci.CaptureTime = d.time()
	}
	ci.Status = d.str()
	ci.StateID = d.str()
	ci.MD5Hash = d.str()
	ci.ARN = d.str()
	ci.ResourceType = d.str()
	ci.ResourceID = d.str()
	ci.ResourceName = d.str()
	ci.Region = d.str()
	ci.AvailabilityZone = d.str()
	if flags&hasCreationTime != 0 {
		ci.ResourceCreationTime = d.time()
	}
	if flags&hasTags != 0 {
		ci.Tags = d.strMap()
	}
	if flags&hasRelatedEvents != 0 {
		n := d.count(1)
		ci.RelatedEvents = make([]string, n)
		for i := range ci.RelatedEvents {
			ci.RelatedEvents[i] = d.str()
		}
	}
	if flags&hasRelationships != 0 {
		n := d.count(4)
		ci.Relationships = make([]configd.Relationship, n)
		for i := range ci.Relationships {
			r := &ci.Relationships[i]
			r.ResourceType, r.ResourceID, r.ResourceName, r.RelationshipName = d.str(), d.str(), d.str(), d.str()
		}
	}
	ci.Configuration = d.str()
	if flags&hasSupplementary != 0 {
		ci.SupplementaryConfiguration = d.strMap()
	}
	ci.RecordingFrequency = d.str()
	if flags&hasDeliveryTime != 0 {
		ci.DeliveryTime = d.time()
	}
	ci.SchemaVersionID = d.str()
	if d.err != nil {
		return configd.ConfigurationItem{}, d.err
	}
	if d.off != len(s) {
		return configd.ConfigurationItem{}, fmt.Errorf("%w: %d bytes after the last field", ErrCorrupt, len(s)-d.off)
	}
	return ci, nil
}

// DecodeBytes decodes an item encoded by Append from b, which it takes
// ownership of: the strings of the item are slices of b, which the caller
// must never modify again.
func DecodeBytes(b []byte) (configd.ConfigurationItem, error) {
	return Decode(unsafe.String(unsafe.SliceData(b), len(b)))
}

// decoder reads fields from s; after the first error, every read returns a
// zero value and err stays set.
type decoder struct {
	s   string
	off int
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: truncated %s at byte %d", ErrCorrupt, what, d.off)
	}
	d.off = len(d.s)
}

func (d *decoder) uvarint() uint64 {
	var x uint64
	var shift uint
	for i := 0; i < binary.MaxVarintLen64; i++ {
		if d.off >= len(d.s) {
			d.fail("number")
			return 0
		}
		b := d.s[d.off]
		d.off++
		if b < 0x80 {
			if i == binary.MaxVarintLen64-1 && b > 1 {
				break
			}
			return x | uint64(b)<<shift
		}
		x |= uint64(b&0x7f) << shift
		shift += 7
	}
	d.fail("number (overflow)")
	return 0
}

func (d *decoder) str() string {
	n := d.uvarint()
	if n > uint64(len(d.s)-d.off) {
		d.fail("string")
		return ""
	}
	s := d.s[d.off : d.off+int(n)]
	d.off += int(n)
	return s
}

func (d *decoder) time() time.Time {
	u := d.uvarint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	if d.err != nil {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// count reads a number of elements each at least min bytes long, refusing
// one the rest of the input cannot hold (so that corrupt input never makes
// a huge allocation).
func (d *decoder) count(min int) int {
	n := d.uvarint()
	if n > uint64((len(d.s)-d.off)/min) {
		d.fail("count")
		return 0
	}
	return int(n)
}

func (d *decoder) strMap() map[string]string {
	n := d.count(2)
	m := make(map[string]string, n)
	for range n {
		k := d.str()
		m[k] = d.str()
	}
	return m
}
