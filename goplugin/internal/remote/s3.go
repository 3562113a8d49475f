package remote

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// S3Options configure the S3 tier. Credentials and the endpoint come from the standard AWS chain
// (environment, shared config and credentials files, SSO, instance and container roles) and from
// the SDK's AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL variables.
type S3Options struct {
	Profile string // provider.profile of the service ("" : the chain's default)
	Region  string // provider.region of the service ("" : the chain's default, else us-east-1)
	// PathStyle addresses the bucket in the path (http://host/bucket/key), as S3-compatible stores
	// such as MinIO need. It is on by default when an endpoint URL is configured.
	PathStyle *bool
	// Getenv reads the environment (nil: os.Getenv); used for the endpoint variables.
	Getenv func(string) string
}

// S3 is a Tier on Amazon S3 or an S3-compatible store.
type S3 struct {
	loc    Location
	client *s3.Client
}

// NewS3 prepares an S3 tier for loc. It does not contact the store.
func NewS3(ctx context.Context, loc Location, o S3Options) (*S3, error) {
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	opts := []func(*config.LoadOptions) error{
		config.WithHTTPClient(awshttp.NewBuildableClient().WithDialerOptions(func(d *net.Dialer) {
			d.Timeout = 5 * time.Second
		}).WithTransportOptions(func(t *http.Transport) {
			t.ResponseHeaderTimeout = 30 * time.Second
		})),
		config.WithRetryMaxAttempts(2),
	}
	if o.Profile != "" && getenv("AWS_PROFILE") == "" && getenv("AWS_ACCESS_KEY_ID") == "" {
		opts = append(opts, config.WithSharedConfigProfile(o.Profile))
	}
	if o.Region != "" && getenv("AWS_REGION") == "" && getenv("AWS_DEFAULT_REGION") == "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, err
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	pathStyle := getenv("AWS_ENDPOINT_URL_S3") != "" || getenv("AWS_ENDPOINT_URL") != ""
	if o.PathStyle != nil {
		pathStyle = *o.PathStyle
	}
	client := s3.NewFromConfig(cfg, func(so *s3.Options) {
		so.UsePathStyle = pathStyle
		// S3-compatible stores often send no checksum; the content is verified by its record.
		so.DisableLogOutputChecksumValidationSkipped = true
	})
	return &S3{loc: loc, client: client}, nil
}

func (s *S3) String() string { return s.loc.String() }

// Fetch implements Tier.
func (s *S3) Fetch(ctx context.Context, name, metaDir string) (bool, error) {
	recKey := s.loc.key(name, "entry.json")
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.loc.Bucket, Key: &recKey})
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	body, err := io.ReadAll(io.LimitReader(out.Body, 4096))
	out.Body.Close()
	if err != nil {
		return false, err
	}
	var rec Record
	if json.Unmarshal(body, &rec) != nil || rec.Version != recordVersion || len(rec.SHA256) != 64 {
		return false, &CorruptError{Key: recKey, Reason: "its record is unreadable"}
	}
	contentKey := s.loc.key(name, "content-"+rec.SHA256+".tar")
	obj, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.loc.Bucket, Key: &contentKey})
	if isNotFound(err) {
		return false, &CorruptError{Key: contentKey, Reason: "its record names content that does not exist"}
	}
	if err != nil {
		return false, err
	}
	defer obj.Body.Close()
	tmp, err := os.CreateTemp(filepath.Dir(metaDir), ".tmp-remote-")
	if err != nil {
		return false, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(obj.Body, rec.Size+1))
	if err != nil {
		return false, err
	}
	if n != rec.Size || hex.EncodeToString(h.Sum(nil)) != rec.SHA256 {
		return false, &CorruptError{Key: contentKey, Reason: fmt.Sprintf("%d bytes with another sha256 than its record's (%d bytes)", n, rec.Size)}
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return false, err
	}
	if err := os.MkdirAll(metaDir, 0o755); err != nil {
		return false, err
	}
	if err := readTar(tmp, metaDir); err != nil {
		return false, &CorruptError{Key: contentKey, Reason: err.Error()}
	}
	return true, nil
}

// Publish implements Tier.
func (s *S3) Publish(ctx context.Context, name, metaDir string) error {
	tmp, err := os.CreateTemp(filepath.Dir(metaDir), ".tmp-remote-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	sum, size, err := writeTar(metaDir, tmp)
	if err != nil {
		return err
	}
	contentKey := s.loc.key(name, "content-"+sum+".tar")
	// Always upload the content, even when an object of that name exists: an entry is published
	// only after a local build, which follows a miss or a corrupt remote entry, and a damaged
	// object under the right name must be replaced, not vouched for again.
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if _, err := s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &s.loc.Bucket, Key: &contentKey, Body: tmp, ContentLength: aws.Int64(size),
		ContentType: aws.String("application/x-tar"),
	}); err != nil {
		return err
	}
	rec, _ := json.Marshal(Record{Version: recordVersion, SHA256: sum, Size: size})
	recKey := s.loc.key(name, "entry.json")
	_, err = s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &s.loc.Bucket, Key: &recKey, Body: bytes.NewReader(rec), ContentLength: aws.Int64(int64(len(rec))),
		ContentType: aws.String("application/json"),
	})
	return err
}

// Clean deletes every object under the tier's prefix (sls requirements cleanCache --remote).
func (s *S3) Clean(ctx context.Context) (int, error) {
	prefix := s.loc.Prefix
	if prefix != "" {
		prefix += "/"
	}
	n := 0
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: &s.loc.Bucket, Prefix: &prefix})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return n, err
		}
		for _, o := range page.Contents {
			if !strings.HasSuffix(*o.Key, "/entry.json") && !strings.Contains(*o.Key, "/content-") {
				continue // not ours
			}
			if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.loc.Bucket, Key: o.Key}); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

func isNotFound(err error) bool {
	if err == nil {
		return false
	}
	var nsk *s3types.NoSuchKey
	var nf *s3types.NotFound
	if errors.As(err, &nsk) || errors.As(err, &nf) {
		return true
	}
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound && !isNoSuchBucket(err)
}

func isNoSuchBucket(err error) bool {
	var nsb *s3types.NoSuchBucket
	if errors.As(err, &nsb) {
		return true
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "NoSuchBucket"
}

// Cause turns a remote failure into a short cause for a warning, without credentials.
func Cause(err error) string {
	var ce *CorruptError
	var ae smithy.APIError
	var re *awshttp.ResponseError
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.As(err, &ce):
		return ce.Error()
	case isNoSuchBucket(err):
		return "the bucket does not exist"
	case strings.Contains(err.Error(), "failed to retrieve credentials") || strings.Contains(err.Error(), "no EC2 IMDS role found") ||
		strings.Contains(err.Error(), "failed to refresh cached credentials"):
		return "no AWS credentials were found (set AWS_PROFILE or provider.profile, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or use SSO or an instance role)"
	case errors.As(err, &ae) && (ae.ErrorCode() == "InvalidAccessKeyId" || ae.ErrorCode() == "SignatureDoesNotMatch"):
		return "the AWS credentials were refused (" + ae.ErrorCode() + ")"
	case errors.As(err, &ae) && ae.ErrorCode() == "AccessDenied",
		errors.As(err, &re) && re.HTTPStatusCode() == http.StatusForbidden:
		return "access denied: the credentials may not read or write this bucket"
	case errors.As(err, &oe), errors.As(err, &ne):
		return "the endpoint cannot be reached (" + netReason(err) + ")"
	case errors.Is(err, context.DeadlineExceeded):
		return "the store did not answer in time"
	}
	return err.Error()
}

func netReason(err error) string {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Op + ": " + oe.Err.Error()
	}
	return "network error"
}
