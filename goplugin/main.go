// Command pyreqs is the engine of the serverless-pyreqs Serverless plugin.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
