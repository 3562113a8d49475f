package remote

import (
	"context"
	"errors"
	"fmt"
	"github.com/serverless-pyreqs/serverless-pyreqs/test/moto"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// motoServer starts moto's S3 emulator on 127.0.0.1 for the test and returns its endpoint.
func motoServer(t *testing.T) string {
	root, _ := filepath.Abs("../../..")
	return moto.ForTest(t, root)
}

func newTier(t *testing.T, endpoint, bucket string, creds bool) *S3 {
	t.Helper()
	if creds {
		t.Setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEFAKEFAKE1234")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "fake/secret/key/never/printed")
	} else {
		t.Setenv("AWS_ACCESS_KEY_ID", "")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "")
		t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
		t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
		t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	}
	t.Setenv("AWS_ENDPOINT_URL_S3", endpoint)
	t.Setenv("AWS_REGION", "us-east-1")
	s, err := NewS3(context.Background(), Location{Bucket: bucket, Prefix: "ci/cache"}, S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func metaDir(t *testing.T, files map[string]string) string {
	t.Helper()
	d := filepath.Join(t.TempDir(), ".pyreqs")
	for n, c := range files {
		p := filepath.Join(d, n)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func readAll(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			b, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			out[filepath.ToSlash(rel)] = string(b)
		}
		return nil
	})
	return out
}

func TestS3RoundTripTamperAndFailures(t *testing.T) {
	endpoint := motoServer(t)
	ctx := context.Background()
	tier := newTier(t, endpoint, "pyreqs-cache", true)
	if _, err := tier.client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("pyreqs-cache")}); err != nil {
		t.Fatal(err)
	}
	const name = "abc_x86_64_slspyc"
	files := map[string]string{"packed.zip": strings.Repeat("zipbytes", 5000), "dists.json": `{"a":["a/"]}`, "requirements.txt": "a==1\n"}

	// A miss before anything is published.
	if hit, err := tier.Fetch(ctx, name, filepath.Join(t.TempDir(), "m")); hit || err != nil {
		t.Fatalf("Fetch before publish: hit=%v err=%v", hit, err)
	}
	// Machine A publishes; machine B fetches the same bytes.
	if err := tier.Publish(ctx, name, metaDir(t, files)); err != nil {
		t.Fatal(err)
	}
	got := filepath.Join(t.TempDir(), "b")
	if hit, err := tier.Fetch(ctx, name, got); !hit || err != nil {
		t.Fatalf("Fetch after publish: hit=%v err=%v", hit, err)
	}
	if diff := readAll(t, got); fmt.Sprint(diff) != fmt.Sprint(files) {
		t.Fatalf("fetched %v", diff)
	}

	// Concurrent publishers of the same key leave one valid entry.
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := tier.Publish(ctx, name, metaDir(t, files)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if hit, err := tier.Fetch(ctx, name, filepath.Join(t.TempDir(), "c")); !hit || err != nil {
		t.Fatalf("Fetch after concurrent publish: hit=%v err=%v", hit, err)
	}

	// A tampered content object is rejected by its hash.
	list, err := tier.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("pyreqs-cache")})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range list.Contents {
		if strings.Contains(*o.Key, "/content-") {
			if _, err := tier.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("pyreqs-cache"), Key: o.Key, Body: strings.NewReader("tampered")}); err != nil {
				t.Fatal(err)
			}
		}
	}
	hit, err := tier.Fetch(ctx, name, filepath.Join(t.TempDir(), "d"))
	var ce *CorruptError
	if hit || !errors.As(err, &ce) {
		t.Fatalf("tampered Fetch: hit=%v err=%v; want a CorruptError", hit, err)
	}
	if c := Cause(err); !strings.Contains(c, "corrupt") {
		t.Errorf("Cause = %q", c)
	}
	// Publishing the rebuilt entry replaces the damaged object of the same name.
	if err := tier.Publish(ctx, name, metaDir(t, files)); err != nil {
		t.Fatal(err)
	}
	if hit, err := tier.Fetch(ctx, name, filepath.Join(t.TempDir(), "r")); !hit || err != nil {
		t.Fatalf("Fetch after re-publishing over a tampered object: hit=%v err=%v", hit, err)
	}

	// Failures each have one clear cause, and never a credential.
	cases := []struct {
		name string
		tier *S3
		want string
	}{
		{"absent bucket", newTier(t, endpoint, "no-such-bucket", true), "bucket does not exist"},
		{"dead endpoint", newTier(t, "http://127.0.0.1:1", "pyreqs-cache", true), "cannot be reached"},
		{"no credentials", newTier(t, endpoint, "pyreqs-cache", false), "no AWS credentials"},
	}
	for _, c := range cases {
		_, ferr := c.tier.Fetch(ctx, name, filepath.Join(t.TempDir(), "e"))
		perr := c.tier.Publish(ctx, name, metaDir(t, files))
		for _, err := range []error{ferr, perr} {
			if err == nil {
				t.Errorf("%s: no error", c.name)
				continue
			}
			cause := Cause(err)
			if !strings.Contains(cause, c.want) {
				t.Errorf("%s: Cause = %q; want %q (err %v)", c.name, cause, c.want, err)
			}
			if strings.Contains(cause, "fake/secret") || strings.Contains(err.Error(), "fake/secret") {
				t.Errorf("%s: secret in %q", c.name, err)
			}
		}
	}
}

func TestParseURL(t *testing.T) {
	for in, want := range map[string]string{"s3://b/p/q/": "s3://b/p/q", "s3://b": "s3://b"} {
		l, err := ParseURL(in)
		if err != nil || l.String() != want {
			t.Errorf("ParseURL(%q) = %v, %v", in, l, err)
		}
	}
	for _, bad := range []string{"https://b/p", "s3:///p", "s3://key:secret@b/p", "b/p"} {
		if _, err := ParseURL(bad); err == nil {
			t.Errorf("ParseURL(%q): want an error", bad)
		}
	}
}
