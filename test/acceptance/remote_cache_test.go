package acceptance

// remoteCache end to end with the real `sls package`: an S3 tier (moto on 127.0.0.1) shared by two
// "machines" (two services with their own cacheLocation), a tampered entry, and the failures
// that must each be one warning and a normal local build.

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// s3Client talks to moto with the fake credentials.
func s3Client(endpoint string) *s3.Client {
	return s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(FakeAccessKey, FakeSecretKey, ""),
	})
}

// newBucket creates a bucket named after the test on moto.
func newBucket(t *testing.T, c *s3.Client, name string) {
	t.Helper()
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("creating bucket %s on moto: %v", name, err)
	}
}

// objectKeys lists the keys under prefix.
func objectKeys(t *testing.T, c *s3.Client, bucket, prefix string) []string {
	t.Helper()
	out, err := c.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, *o.Key)
	}
	return keys
}

// assertNoSecret checks that none of the secrets appear in the outputs nor in any file under the
// roots (artifacts, caches).
func assertNoSecret(t *testing.T, outputs []string, roots []string, secrets ...string) {
	t.Helper()
	for _, out := range outputs {
		for _, sec := range secrets {
			if strings.Contains(out, sec) {
				t.Errorf("a secret is in the output")
			}
		}
	}
	for _, root := range roots {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error { //nolint:errcheck
			if err != nil || !d.Type().IsRegular() {
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return nil
			}
			for _, sec := range secrets {
				if strings.Contains(string(data), sec) {
					t.Errorf("a secret is in %s", p)
				}
			}
			return nil
		})
	}
}

const remoteServedLine = "Using requirements from the remote cache s3://"

// TestRemoteCache: machine A builds and uploads; machine B, with an empty cache, packages without
// running the installer (its own index sees no request, no "Installed" line) and gets
// byte-identical artifacts; a tampered content object is refused by its hash, rebuilt locally
// with one warning and uploaded again; cleanCache leaves the bucket alone unless --remote.
func TestRemoteCache(t *testing.T) {
	t.Parallel()
	endpoint := Moto(t)
	c := s3Client(endpoint)
	const bucket, url = "pyreqs-remote-e2e", "s3://pyreqs-remote-e2e/ci/cache"
	newBucket(t, c, bucket)
	idx := ServeIndex(t)
	machine := func(name string) *Service {
		s := NewService(t, "basic", Ours)
		s.IndexURL = idx.IndexURL()
		s.UseRemoteCache(endpoint, url, filepath.Join(t.TempDir(), name+"-cache"))
		return s
	}
	var outputs []string
	var roots []string
	run := func(s *Service, args ...string) string {
		t.Helper()
		stdout, stderr := s.MustSls(args...)
		outputs = append(outputs, stdout, stderr)
		roots = append(roots, s.Path(".serverless"), s.Path(".requirements"))
		return stdout + stderr
	}

	a := machine("a")
	out := run(a, "package", "--verbose")
	if !strings.Contains(out, "Installed requirements from") || !strings.Contains(out, "Uploaded the requirements to the remote cache "+url) {
		t.Fatalf("machine A did not build and upload:\n%s", tail(out, 4000))
	}
	keys := objectKeys(t, c, bucket, "ci/cache/")
	if len(keys) != 2 {
		t.Fatalf("the bucket holds %v; want one content object and one entry.json", keys)
	}
	want := zipHashes(t, a.Path(".serverless"))

	b := machine("b")
	before := len(idx.Requests())
	out = run(b, "package", "--verbose")
	if !strings.Contains(out, remoteServedLine) || strings.Contains(out, "Installed requirements from") {
		t.Errorf("machine B did not use the remote entry:\n%s", tail(out, 4000))
	}
	if reqs := idx.Requests()[before:]; len(reqs) != 0 {
		t.Errorf("machine B's installer ran: the index served %v", reqs)
	}
	if got := zipHashes(t, b.Path(".serverless")); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("machine B's artifacts differ from machine A's:\nA %v\nB %v", want, got)
	}
	if strings.Contains(out, "WARNING") || strings.Contains(out, "is not used") {
		t.Errorf("a warning on a clean remote hit:\n%s", tail(out, 3000))
	}

	// Tamper with the content object: machine C refuses it, builds locally, uploads again.
	for _, k := range keys {
		if strings.Contains(k, "/content-") {
			if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k),
				Body: strings.NewReader("not the entry")}); err != nil {
				t.Fatal(err)
			}
		}
	}
	cm := machine("c")
	out = run(cm, "package", "--verbose")
	if n := strings.Count(out, "is corrupt"); n != 1 {
		t.Errorf("want one warning about the corrupt remote entry, got %d:\n%s", n, tail(out, 4000))
	}
	if strings.Contains(out, remoteServedLine) || !strings.Contains(out, "Installed requirements from") {
		t.Errorf("machine C used the tampered entry or did not build:\n%s", tail(out, 4000))
	}
	if got := zipHashes(t, cm.Path(".serverless")); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("machine C's artifacts differ from machine A's:\nA %v\nC %v", want, got)
	}
	// The re-upload repaired the entry: a fourth machine is served again.
	d := machine("d")
	if out = run(d, "package", "--verbose"); !strings.Contains(out, remoteServedLine) || strings.Contains(out, "is corrupt") {
		t.Errorf("the entry was not repaired by machine C's upload:\n%s", tail(out, 4000))
	}

	// cleanCache leaves the bucket alone and says so; --remote empties the prefix.
	out = run(d, "requirements", "cleanCache", "--verbose")
	if !strings.Contains(out, "is left as it is") || len(objectKeys(t, c, bucket, "ci/cache/")) == 0 {
		t.Errorf("cleanCache without --remote: keys %v\n%s", objectKeys(t, c, bucket, "ci/cache/"), tail(out, 3000))
	}
	out = run(d, "requirements", "cleanCache", "--remote", "--verbose")
	if !strings.Contains(out, "objects from the remote cache "+url) || len(objectKeys(t, c, bucket, "ci/cache/")) != 0 {
		t.Errorf("cleanCache --remote: keys %v\n%s", objectKeys(t, c, bucket, "ci/cache/"), tail(out, 3000))
	}
	for _, m := range []*Service{a, b, cm, d} {
		roots = append(roots, m.Dir)
	}
	assertNoSecret(t, outputs, roots, FakeSecretKey)
}

// TestRemoteCacheFailures: an absent bucket, refused credentials, no credentials and a dead
// endpoint are each one warning naming the cause, and a normal local build.
func TestRemoteCacheFailures(t *testing.T) {
	t.Parallel()
	endpoint := Moto(t)
	authEndpoint := MotoAuth(t)
	for _, tc := range []struct {
		name, endpoint, bucket string
		env                    map[string]string
		cause                  string
	}{
		{"absent bucket", endpoint, "pyreqs-no-such-bucket", nil, "the bucket does not exist"},
		{"wrong credentials", authEndpoint, "pyreqs-any", nil, "the AWS credentials were refused (InvalidAccessKeyId)"},
		{"no credentials", endpoint, "pyreqs-any", map[string]string{"AWS_ACCESS_KEY_ID": Unset, "AWS_SECRET_ACCESS_KEY": Unset},
			"no AWS credentials were found"},
		{"dead endpoint", "http://127.0.0.1:1", "pyreqs-any", nil, "the endpoint cannot be reached"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := NewService(t, "basic", Ours)
			s.UseRemoteCache(tc.endpoint, "s3://"+tc.bucket+"/p", filepath.Join(t.TempDir(), "cache"))
			for k, v := range tc.env {
				s.Env[k] = v
			}
			stdout, stderr := s.MustSls("package", "--verbose")
			out := stdout + stderr
			if n := strings.Count(out, "is not used in this run"); n != 1 {
				t.Errorf("want one remote warning, got %d:\n%s", n, tail(out, 4000))
			}
			if !strings.Contains(out, tc.cause) {
				t.Errorf("the warning does not name the cause %q:\n%s", tc.cause, tail(out, 4000))
			}
			if !strings.Contains(out, "Installed requirements from") {
				t.Errorf("no local build:\n%s", tail(out, 4000))
			}
			entries := ZipEntries(t, s.Artifact())
			assertHas(t, s.Artifact(), entries, "pyreqs_pure/__init__.py", "pyreqs_native/__init__.py")
			assertNoSecret(t, []string{stdout, stderr}, []string{s.Dir}, FakeSecretKey)
		})
	}
}
