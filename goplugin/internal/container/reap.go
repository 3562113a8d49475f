package container

import (
	"context"
	"errors"
	"os"
	"strconv"
	"time"

	"github.com/moby/moby/client"
)

// Labels that say which process created a container, so that a later run can tell the
// containers of runs that are gone (killed with kill -9, a closed laptop) from live ones.
const (
	LabelPID  = "serverless-pyreqs.pid"  // the pyreqs process id
	LabelHost = "serverless-pyreqs.host" // the hostname of the machine it ran on
)

// staleAge is how old a stopped container of another machine (or of an older version, without
// the owner labels) must be before a run reaps it.
const staleAge = 30 * time.Minute

// Reap removes the labelled containers whose run is gone: on this machine, those whose pyreqs
// process no longer exists; from other machines or older versions, those that stopped more than
// half an hour ago. A live run's containers are never touched. It returns how many it removed;
// errors are left to the caller to report as a warning (reaping never fails a build).
func Reap(ctx context.Context, api API) (int, error) {
	res, err := api.ContainerList(ctx, client.ContainerListOptions{
		All:     true,
		Filters: client.Filters{}.Add("label", LabelTool+"=1"),
	})
	if err != nil {
		return 0, err
	}
	host, _ := os.Hostname()
	removed := 0
	var errs []error
	for _, c := range res.Items {
		if !gone(c.Labels, string(c.State), time.Unix(c.Created, 0), host) {
			continue
		}
		if _, err := api.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
			errs = append(errs, err)
			continue
		}
		removed++
	}
	return removed, errors.Join(errs...)
}

// gone decides whether a labelled container belongs to a run that no longer exists.
func gone(labels map[string]string, state string, created time.Time, thisHost string) bool {
	pid, err := strconv.Atoi(labels[LabelPID])
	if err == nil && labels[LabelHost] == thisHost && thisHost != "" {
		return pid != os.Getpid() && !processAlive(pid)
	}
	stopped := state == "exited" || state == "dead" || state == "created"
	return stopped && time.Since(created) > staleAge
}

// ownerLabels are the LabelPID and LabelHost values of this process.
func ownerLabels() map[string]string {
	host, _ := os.Hostname()
	return map[string]string{LabelPID: strconv.Itoa(os.Getpid()), LabelHost: host}
}
