// Package remote is the shared tier behind the local static cache: a bucket (S3 or an
// S3-compatible store) that CI machines fill and read, so that a runner with an empty disk gets
// a finished requirements set without running pip, uv or Docker.
//
// A remote entry is two objects under <prefix>/<entry name>/:
//
//	content-<sha256>.tar   the entry's metadata folder (packed zip, file lists, key material)
//	entry.json             {"version":1,"sha256":"…","size":N}: written last, it makes the entry
//	                       visible and names the content object it vouches for
//
// The content object is named by its own hash, so two machines that publish the same entry at
// once never mix their bytes: whichever record lands last points at complete content. A reader
// streams the content into a temporary file while hashing it and uses nothing that does not
// match the record. Every failure is returned for the caller to report as a warning; the build
// then goes on locally.
package remote

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Tier is a remote static-cache tier.
type Tier interface {
	// Fetch looks entry name up. On a hit it writes the entry's metadata folder into metaDir
	// (an empty folder) and returns true; a miss returns false and no error.
	Fetch(ctx context.Context, name, metaDir string) (bool, error)
	// Publish uploads the metadata folder of a complete local entry, content first.
	Publish(ctx context.Context, name, metaDir string) error
	// String names the tier for messages (the s3:// URL, never a credential).
	String() string
}

// recordVersion is the format of entry.json.
const recordVersion = 1

// Record is the content of entry.json.
type Record struct {
	Version int    `json:"version"`
	SHA256  string `json:"sha256"`
	Size    int64  `json:"size"`
}

// Location is a parsed remoteCache URL.
type Location struct {
	Bucket string
	Prefix string // without leading or trailing '/'; may be empty
}

// ParseURL reads `s3://bucket/prefix`. The error says what is wrong; the caller names the key.
func ParseURL(s string) (Location, error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "s3" {
		return Location{}, fmt.Errorf("must be an s3://bucket/prefix URL, got %q", s)
	}
	if u.Host == "" {
		return Location{}, errors.New("names no bucket: write s3://bucket/prefix")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return Location{}, errors.New("must not carry credentials, a query or a fragment: credentials come from the AWS chain (environment, profile, SSO, instance role)")
	}
	return Location{Bucket: u.Host, Prefix: strings.Trim(u.Path, "/")}, nil
}

func (l Location) key(name, leaf string) string {
	if l.Prefix == "" {
		return name + "/" + leaf
	}
	return l.Prefix + "/" + name + "/" + leaf
}

func (l Location) String() string {
	if l.Prefix == "" {
		return "s3://" + l.Bucket
	}
	return "s3://" + l.Bucket + "/" + l.Prefix
}

// CorruptError says that a remote entry's content does not match its record.
type CorruptError struct{ Key, Reason string }

func (e *CorruptError) Error() string {
	return fmt.Sprintf("remote entry %s is corrupt (%s)", e.Key, e.Reason)
}
