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
	// A write to stdout after the plugin's node process died fails with EPIPE instead of killing
	// pyreqs with SIGPIPE, so an interrupted run still cleans up (children get the default again).
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
