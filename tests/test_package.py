"""The installable tool: `sitegen init`, the theme inside the package, and a wheel that builds a digest anywhere."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import tomllib
from importlib import metadata
from pathlib import Path

from conftest import REPO, page_text
from linkcheck import dangling_links
from typer.testing import CliRunner

from sitegen.cli import app
from sitegen.config import Settings, load_settings
from sitegen.pipeline.build import build_site
from sitegen.theme import bundle


def init(*args: str):
    return CliRunner().invoke(app, ["init", *args])


def test_version_is_the_installed_distribution():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output == f"sitegen {metadata.version('sitegen')}\n"


def test_init_writes_a_project_with_every_setting_at_its_default(tmp_path):
    folder = tmp_path / "digest"
    result = init(str(folder))
    assert result.exit_code == 0, result.output
    config = (folder / "sitegen.toml").read_text(encoding="utf-8")
    assert Settings.model_validate(tomllib.loads(config)) == Settings()
    assert set(tomllib.loads(config)) == set(Settings.model_fields)
    assert "# Where the site is published, e.g. https://owner.github.io/repo/" in config
    assert (folder / ".gitignore").read_text(encoding="utf-8").splitlines()[1:] == \
        ["/site/", "/.sitegen/cache/", "/.sitegen/cards/"]
    assert all((folder / "content" / name).is_dir() for name in ("articles", "entities", "events"))
    assert list((folder / "content/articles").iterdir()) == [folder / "content/articles/.gitkeep"]
    assert "sitegen add" in (folder / "README.md").read_text(encoding="utf-8")
    assert (folder / "requirements.txt").read_text(encoding="utf-8").startswith("sitegen")
    workflow = (folder / ".github/workflows/pages.yml").read_text(encoding="utf-8")
    for step in ("actions/configure-pages@", "actions/upload-pages-artifact@", "actions/deploy-pages@",
                 "pip install -r requirements.txt",
                 'sitegen build --strict --out site --base-url "${{ steps.pages.outputs.base_url }}/"'):
        assert step in workflow


def test_init_refuses_a_folder_with_files_and_never_overwrites(tmp_path):
    (tmp_path / "README.md").write_text("my notes\n", encoding="utf-8")
    refused = init(str(tmp_path))
    assert refused.exit_code == 1 and "is not empty" in refused.output and "--force" in refused.output
    assert [p.name for p in tmp_path.iterdir()] == ["README.md"]
    forced = init(str(tmp_path), "--force")
    assert forced.exit_code == 0 and f"kept  {tmp_path / 'README.md'} (exists)" in forced.output
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == "my notes\n"
    assert (tmp_path / "sitegen.toml").is_file()


def test_init_demo_copies_the_demo_articles(tmp_path):
    assert init(str(tmp_path / "d"), "--demo").exit_code == 0
    demo = sorted(p.name for p in bundle().demo_articles.iterdir() if not p.name.startswith("."))
    assert len(demo) == 2
    for name in demo:
        assert (tmp_path / "d/content/articles" / name).read_bytes() == (bundle().demo_articles / name).read_bytes()


def test_own_templates_and_static_files_win_file_by_file(tmp_path, shared_cache):
    folder = tmp_path / "d"
    init(str(folder), "--demo")
    (folder / "templates").mkdir()
    about = (bundle().templates / "about.html").read_text(encoding="utf-8")
    (folder / "templates/about.html").write_text(about.replace("{% block main %}", "{% block main %}"
                                                 "<p>Edited by the harbour desk.</p>", 1), encoding="utf-8")
    (folder / "static").mkdir()
    (folder / "static/style.css").write_text("body { color: navy; }\n", encoding="utf-8")
    settings = load_settings(folder, cache_dir=shared_cache)
    build_site(settings)
    site = settings.output_dir
    assert "Edited by the harbour desk." in page_text(site / "about/index.html")
    assert (site / "static/style.css").read_text(encoding="utf-8") == "body { color: navy; }\n"
    assert (site / "static/search.js").read_bytes() == (bundle().static / "search.js").read_bytes()
    assert "Edited by the harbour desk." not in page_text(site / "index.html")


def test_the_wheel_installs_into_a_new_venv_and_builds_a_new_digest(tmp_path):
    """Build the wheel, install it (without dependencies: they come from this test's environment) into a new
    venv, and start and build a digest in an empty folder there, as a user would."""
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(REPO)],
                   check=True, capture_output=True)
    [wheel] = dist.glob("sitegen-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin/python"
    site_packages = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                        check=True, capture_output=True, text=True).stdout.strip())
    # the dependencies, from this environment; its own sitegen is an editable path that is not added
    (site_packages / "test_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-index", str(wheel)], check=True)
    sitegen = venv / "bin/sitegen"
    where = subprocess.run([python, "-c", "import sitegen.theme as t; print(t.bundle().templates)"],
                           check=True, capture_output=True, text=True, cwd=tmp_path).stdout.strip()
    assert Path(where) == site_packages / "sitegen/bundled/templates"

    version = subprocess.run([sitegen, "--version"], check=True, capture_output=True, text=True)
    assert version.stdout == f"sitegen {metadata.version('sitegen')}\n"
    subprocess.run([sitegen, "init", "digest", "--demo"], check=True, capture_output=True, cwd=tmp_path)
    project = tmp_path / "digest"
    config = project / "sitegen.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('title = "Diplomacy Digest"',
                                                                 'title = "Harbour Digest"'), encoding="utf-8")
    built = subprocess.run([sitegen, "build", "--strict", "-q", "--base-url", "https://example.org/digest/"],
                           capture_output=True, text=True, cwd=project)
    assert built.returncode == 0, built.stderr
    assert "2 articles" in built.stdout and "0 warning(s)" in built.stdout
    site = project / "site"
    assert "Harbour Digest" in page_text(site / "index.html")
    events = sorted(site.glob("events/*/index.html"))
    assert events and all("Coverage" in page_text(page) for page in events)
    assert (site / "static/style.css").read_bytes() == (REPO / "static/style.css").read_bytes()
    assert (site / "pagefind").is_dir()
    assert dangling_links(site, "/digest/") == []
