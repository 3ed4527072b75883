"""JupyterLab as `make lab` starts it (JUPYTER_CONFIG_PATH=etc/jupyter), on the project's kernel.

- New notebooks start on the project's kernel, "Python (livinglab)", not on "Python 3 (ipykernel)".
- Saving a notebook whose cells' sources are those git holds leaves `git status` clean. The notebook filter
  (.gitattributes, `make hooks`) strips outputs and the kernel's details, but `git status` reports a file
  whose size changed as modified without running the filter; after a save, git's record of such a notebook
  is refreshed (`git add` of a content git already has: nothing is staged). A notebook whose sources changed
  is left as it is: git reports it modified, as it should.
"""

import os
import subprocess

c = get_config()  # noqa: F821 (Jupyter's configuration loader provides it)

c.MappingKernelManager.default_kernel_name = "livinglab"


def refresh_git_index(model, os_path, contents_manager, **kwargs):
    """After a save: when git sees no change in the notebook after its filter, refresh git's record of it."""
    if not str(os_path).endswith(".ipynb"):
        return
    folder, name = os.path.split(os_path)

    def git(*args):
        try:
            return subprocess.run(["git", "-C", folder, *args], capture_output=True, timeout=60).returncode
        except (OSError, subprocess.TimeoutExpired):
            return None

    # tracked, and equal to git's copy after the filter (a changed source: exit 1; no git or no filter: other)
    if git("ls-files", "--error-unmatch", "--", name) == 0 and git("diff", "--quiet", "--", name) == 0:
        if git("add", "--", name) != 0:
            contents_manager.log.warning("Could not refresh git's record of %s (is git busy?)", os_path)


c.ContentsManager.post_save_hook = refresh_git_index
