package pipeline

import (
	"bytes"
	"context"
	"fmt"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/requirements"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/workspace"
)

// filterRequirements reads each set's requirements, drops noDeploy, and logs where they come
// from. A set left empty gets its (empty) generated requirements.txt now; the others are the
// sets to install (state.todo), with their filtered lines.
type filterRequirements struct{}

func (filterRequirements) String() string { return "filter" }

func (filterRequirements) Run(_ context.Context, s *state) error {
	for _, u := range s.units {
		if u.Empty {
			continue
		}
		lines, err := u.readSource(s.guardInclude)
		if err != nil {
			return err
		}
		kept, warns := requirements.FilterDiag(lines, s.unitOptions(u).NoDeploy)
		for _, w := range warns {
			s.emit.Warn(w)
		}
		rendered := requirements.Render(kept)
		if u.Layer == nil {
			u.ReqOut = s.ws.Requirements(u.Module)
			u.LinkPath = s.ws.Link(u.Module)
		}
		s.emit.Info(s.sourceMessage(u))
		if len(bytes.TrimSpace(rendered)) == 0 {
			if u.Layer != nil {
				return s.emptyLayer(u.Layer)
			}
			s.emit.Info(fmt.Sprintf("Skipping empty output requirements.txt file from %s", s.rel(u.ReqOut)))
			u.Empty = true
			if err := workspace.WriteFile(u.ReqOut, rendered); err != nil {
				return err
			}
			continue
		}
		u.Lines = rendered
		u.kept = kept
		s.todo = append(s.todo, u)
	}
	return nil
}

// nothingToInstall is the skip of the install steps when every set is empty.
func nothingToInstall(s *state) error {
	if len(s.todo) == 0 {
		return skip("nothing to install")
	}
	return nil
}
