package registryauth

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
)

func (r Resolver) ecr(ctx context.Context, region string) (string, string, error) {
	if r.ECR != nil {
		return r.ECR(ctx, region)
	}
	return ECRToken(ctx, region)
}

// ECRToken asks ECR for a registry token in region with the standard AWS credential chain (and
// the SDK's AWS_ENDPOINT_URL_ECR / AWS_ENDPOINT_URL endpoint variables).
func ECRToken(ctx context.Context, region string) (user, password string, err error) {
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region))
	if err != nil {
		return "", "", err
	}
	out, err := ecr.NewFromConfig(cfg).GetAuthorizationToken(ctx, &ecr.GetAuthorizationTokenInput{})
	if err != nil {
		return "", "", err
	}
	if len(out.AuthorizationData) == 0 || out.AuthorizationData[0].AuthorizationToken == nil {
		return "", "", errors.New("ECR returned no authorization data")
	}
	raw, err := base64.StdEncoding.DecodeString(*out.AuthorizationData[0].AuthorizationToken)
	if err != nil {
		return "", "", errors.New("ECR returned a token that is not base64")
	}
	u, p, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", "", errors.New("ECR returned a token without user:password")
	}
	return u, p, nil
}
