"""`tipkg site` on another project (the starter of `tipkg init`, its own base, no canned queries of the
bundled graph): the whole site passes the same link checker, and every resource has its page."""

from __future__ import annotations

from click.testing import CliRunner
from tests.site.test_site_links import broken_links, pages_of

from tipkg.cli import main
from tipkg.scaffold import STARTER_BASE


def test_a_starter_projects_site_has_no_broken_link(tmp_path):
    project, out = tmp_path / "project", tmp_path / "site"
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(project)]).exit_code == 0
    result = runner.invoke(main, ["site", "--project", str(project), "--base", STARTER_BASE,
                                  "--out", str(out)])
    assert result.exit_code == 0, result.output
    pages = pages_of(out)
    assert broken_links(out, pages) == []
    redirected = [line.split()[0] for line in (out / "_redirects").read_text().splitlines()
                  if line.startswith("/id/")]
    assert redirected and all((out / f"{path[1:]}.html").is_file() for path in redirected)
