package installer

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/config"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/container"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// exitError explains a failed step of the container.
func (d *docker) exitError(s Set, x *container.ExitError) error {
	o := d.env.Options
	out := x.Output
	where := "the image " + x.Image
	if x.Platform != "" {
		where += " (" + x.Platform + ")"
	}
	switch {
	case x.Step == "strip":
		return diag.AtKey(diag.CodeStripNotFound, "strip", "slim is on but %s has no strip program", where).
			WithFix("Use an image with binutils (the SAM build images have it; with dockerFile: install binutils), or set %s: false.", diag.ConfigPath("strip")).
			WithOutput(out)
	case x.Code == 127 || x.Code == 126:
		key, bin := "pythonBin", d.python(s)
		if o.Installer == config.InstallerUv {
			return diag.AtKey(diag.CodeCommandNotFound, "installer", "%s has no uv, and installing uv into it failed", where).
				WithFix("uv is installed into the container with pip from your index (PIP_INDEX_URL in dockerEnv, or the index options of pipCmdExtraArgs): " +
					"make uv available there, use an image that has uv (dockerImage/dockerFile), or remove installer: uv.").
				WithOutput(out)
		}
		return diag.AtKey(diag.CodeCommandNotFound, key, "%s was not found in %s", bin, where).
			WithFix("Set %s to the interpreter the image has (e.g. python3), or use an image that provides %s.", diag.ConfigPath("pythonBin"), bin).
			WithOutput(out)
	case x.Code == 143 || x.Code == 137:
		return diag.AtKey(diag.CodeDockerCommandFailed, "dockerizePip", "the install container (%s) was stopped (exit code %d)", where, x.Code).
			WithFix("Something stopped the container (docker stop, the OOM killer): check the engine's memory limits.").
			WithOutput(out)
	}
	tool := "pip"
	if o.Installer == config.InstallerUv {
		tool = "uv pip"
	}
	return diag.Errorf(diag.CodeDockerCommandFailed, "%s failed inside the container (%s, exit code %d) installing %s", tool, where, x.Code, d.env.Workspace.Rel(s.Requirements)).
		WithFix("Check the package names and versions in your requirements file and the index settings (pipCmdExtraArgs, dockerEnv); " +
			"inside the container the index must be reachable from the container's network (dockerRunCmdExtraArgs: ['--network', 'host']). " +
			"Run with --verbose to see pip's full output.").
		WithOutput(out)
}

// sshFiles resolves dockerSsh: the private key (dockerPrivateKey, default ~/.ssh/id_rsa),
// ~/.ssh/known_hosts when it exists, and SSH_AUTH_SOCK when it is set.
func (d *docker) sshFiles() (*container.SSH, error) {
	home := d.env.getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	key := d.env.Options.DockerPrivateKey
	if key == "" {
		key = filepath.Join(home, ".ssh", "id_rsa")
	} else if strings.HasPrefix(key, "~/") {
		key = filepath.Join(home, key[2:])
	} else if !filepath.IsAbs(key) {
		key = filepath.Join(d.env.Workspace.Dir, key)
	}
	if fi, err := os.Stat(key); err != nil || fi.IsDir() {
		return nil, diag.AtKey(diag.CodeDockerSSH, "dockerPrivateKey", "dockerSsh is on but the private key %s does not exist", key)
	}
	s := &container.SSH{Key: key, AgentSock: d.env.getenv("SSH_AUTH_SOCK")}
	if kh := filepath.Join(home, ".ssh", "known_hosts"); exists(kh) {
		s.KnownHosts = kh
	} else {
		d.env.Events.Verbose("dockerSsh: no " + kh + ": ssh inside the container will not know any host key")
	}
	return s, nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}
