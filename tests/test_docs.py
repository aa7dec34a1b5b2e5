"""Every example in the README and the guides runs, on the demo region, as written.

Each document's fenced blocks run in order in a fresh folder of their own, so a later block
can use the files an earlier one wrote:

- ```` ```sh ````: each command (a line, or lines joined by a trailing ``\\``) runs in bash
  with ``.venv/bin`` first on PATH. It must exit 0, or the code its comment names
  (``footprints validate … # exit 1``), and must log no WARNING or ERROR line.
- ```` ```python ````: executed in a fresh namespace, with that folder as the working
  directory; it must not raise, warn (pytest turns warnings into errors) or log a warning.
- ```` ```csv file=waivers.csv ```` (any language, with ``file=NAME``): a file the reader
  writes; its text is saved as NAME in the folder.

Any other block fails the test: a guide holds no example that is not run. The only
commands not run are listed in SKIPPED_COMMANDS.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
#: The documents whose examples run, in the order a reader meets them.
GUIDES = ["README.md", "docs/ccg-lead.md", "docs/community-trust.md", "docs/analyst.md"]
GUIDES += ["docs/your-own-area.md"]
#: Documents with no runnable examples: module contracts, and the generated API reference.
NOT_EXAMPLES = ["docs/ARCHITECTURE.md", "docs/api.md"]
#: Commands shown but not run, and why: `make run` starts the app's server and never returns;
#: `make test` runs this test suite (and lint, type checks) itself; `make screenshot` runs the
#: browser test. Only these exact commands are skipped.
SKIPPED_COMMANDS = ("make run", "make test", "make screenshot")
#: The README's first section: the two commands that set everything up, in this order.
README_COMMANDS = ["make run", "make test"]
COMMAND_TIMEOUT_S = 900  # a ceiling: generous, for a busy machine

_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
_EXIT = re.compile(r"\s#.*?\bexit (?P<code>\d+)\b")
_COMMENT = re.compile(r"(^|\s)#.*$")
_LOGGED = re.compile(r"^(WARNING|ERROR|CRITICAL):", re.MULTILINE)


@dataclass(frozen=True)
class Block:
    """One fenced code block: its info string (``sh``, ``python`` …), text and line."""

    info: str
    text: str
    line: int

    @property
    def language(self) -> str:
        return self.info.split()[0] if self.info.split() else ""

    @property
    def file_name(self) -> str | None:
        found = re.search(r"\bfile=(\S+)", self.info)
        return found.group(1) if found else None


@dataclass(frozen=True)
class Command:
    """One shell command of a ```` ```sh ```` block and the exit code it should give."""

    text: str
    expected_exit: int
    line: int


def blocks(path: Path) -> list[Block]:
    """Every fenced code block of a markdown file, in order."""
    text = path.read_text(encoding="utf-8")
    found = []
    for match in _FENCE.finditer(text):
        body = textwrap.dedent(match["body"])
        line = text.count("\n", 0, match.start()) + 1
        found.append(Block(match["info"].strip(), body, line))
    return found


def commands(block: Block) -> list[Command]:
    """The commands of a shell block: continuation lines joined, comments and blanks dropped."""
    result = []
    pending, start = "", block.line
    for number, raw in enumerate(block.text.splitlines(), start=block.line + 1):
        if not pending:
            start = number
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        line = pending + raw
        pending = ""
        expected = _EXIT.search(line)
        code = _COMMENT.sub("", line).strip()
        if code:
            exit_code = int(expected["code"]) if expected else 0
            result.append(Command(" ".join(code.split()), exit_code, start))
    assert not pending, f"a shell block ending at line {start} ends with a backslash"
    return result


def _venv_bin() -> Path:
    """The folder holding this interpreter and the ``footprints`` console script."""
    return Path(sys.executable).parent


def _run_command(command: Command, folder: Path, where: str) -> None:
    env = dict(os.environ)
    env["PATH"] = f"{_venv_bin()}{os.pathsep}{env.get('PATH', '')}"
    env["MPLBACKEND"] = "Agg"
    completed = subprocess.run(
        ["bash", "-c", command.text],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
        check=False,
    )
    output = f"\n--- stdout\n{completed.stdout[-3000:]}\n--- stderr\n{completed.stderr[-3000:]}"
    assert completed.returncode == command.expected_exit, (
        f"{where}: `{command.text}` exited {completed.returncode}, the guide says "
        f"{command.expected_exit} (mark an expected failure with `# exit N`){output}"
    )
    logged = _LOGGED.findall(completed.stderr)
    assert not logged, f"{where}: `{command.text}` logged {', '.join(logged)}{output}"


def _run_python(
    block: Block,
    folder: Path,
    where: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.chdir(folder)
    caplog.clear()
    code = compile(block.text, where, "exec")
    exec(code, {"__name__": "__docs_example__"})
    logged = [r for r in caplog.records if r.levelname in {"WARNING", "ERROR", "CRITICAL"}]
    assert not logged, f"{where}: the example logged " + "; ".join(r.getMessage() for r in logged)


# --------------------------------------------------------------------------------------------
# The documents and their parts
# --------------------------------------------------------------------------------------------


def test_every_markdown_file_in_docs_is_a_guide_or_has_no_examples() -> None:
    """A new page in docs/ is tested too, or explicitly listed as holding no examples."""
    pages = {f"docs/{p.name}" for p in DOCS.glob("*.md")}
    assert pages == {g for g in GUIDES if g.startswith("docs/")} | set(NOT_EXAMPLES)


@pytest.mark.parametrize("page", NOT_EXAMPLES)
def test_pages_without_examples_hold_no_code_blocks_to_run(page: str) -> None:
    runnable = [b for b in blocks(REPO / page) if b.language in {"sh", "bash", "python"}]
    assert runnable == [], f"{page} has runnable blocks: move them to a guide, or test the page"


def test_readme_opens_with_the_two_commands() -> None:
    """The README's first section is `make run` and `make test`, and nothing else runs there."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    sections = re.split(r"^## ", text, flags=re.MULTILINE)
    title, first = sections[0], sections[1]
    assert title.strip().startswith("# footprints"), "the README starts with its title"
    assert title.strip() == "# footprints", "the two commands come straight after the title"
    first_blocks = [b for b in blocks(REPO / "README.md") if b.text in first]
    shown = [c.text for b in first_blocks for c in commands(b)]
    assert shown == README_COMMANDS


def test_guides_link_to_files_that_exist() -> None:
    for page in [*GUIDES, *NOT_EXAMPLES]:
        path = REPO / page
        for target in re.findall(r"\]\(([^)\s]+)\)", path.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            assert (path.parent / target.split("#")[0]).exists(), f"{page} links to {target}"


def test_commands_are_parsed_as_the_reader_sees_them() -> None:
    block = Block(
        "sh",
        "footprints demo --out demo   # write the files\n\n"
        "footprints validate --demo \\\n  --plan demo/current_plan.csv   # exit 1: flaws\n",
        10,
    )
    assert commands(block) == [
        Command("footprints demo --out demo", 0, 11),
        Command("footprints validate --demo --plan demo/current_plan.csv", 1, 13),
    ]


# --------------------------------------------------------------------------------------------
# Running every example
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("page", GUIDES)
def test_every_example_runs(
    page: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    found = blocks(REPO / page)
    assert found, f"{page} has no examples"
    # the plan store the guide's commands share: its own, never the reader's
    monkeypatch.setenv("FOOTPRINTS_STORE", str(tmp_path / "plans.sqlite"))
    for index, block in enumerate(found, start=1):
        where = f"{page}:{block.line} (block {index})"
        if block.file_name is not None:
            target = tmp_path / block.file_name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.text, encoding="utf-8")
        elif block.language == "sh":
            for command in commands(block):
                if command.text in SKIPPED_COMMANDS:
                    continue
                _run_command(command, tmp_path, f"{page}:{command.line}")
        elif block.language == "python":
            _run_python(block, tmp_path, where, monkeypatch, caplog)
        else:
            pytest.fail(
                f"{where}: a ```{block.info} block is neither run nor written as a file; use "
                "```sh, ```python or ```<language> file=NAME"
            )


# --------------------------------------------------------------------------------------------
# Facts the guides state about the demo region, and the generated API reference
# --------------------------------------------------------------------------------------------


def test_demo_facts_quoted_in_the_guides() -> None:
    """The numbers the guides give for the demo region (fixed by its seed)."""
    from footprints.demo import load_demo
    from footprints.rules import validate

    region = load_demo()
    assert len(region.practices) == 141
    assert len(region.ccgs) == 3
    assert region.stps is not None and len(region.stps) == 1
    assert region.patches is not None and len(region.patches) == 10
    assert region.current is not None and len(region.current.networks()) == 29
    report = validate(region.current, region.validation_graph)
    assert {v.rule for v in report.hard} == {"contiguity", "boundary"}
    assert report.summary["band"] == 5


def _make_api() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_api", DOCS / "make_api.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_api_reference_is_current() -> None:
    """docs/api.md is what docs/make_api.py writes from the code today."""
    text, _ = _make_api().render()
    written = (DOCS / "api.md").read_text(encoding="utf-8")
    assert written == text, "docs/api.md is out of date: run .venv/bin/python docs/make_api.py"


def test_api_reference_lists_every_public_name() -> None:
    import footprints.optimiser
    import footprints.rules

    text = (DOCS / "api.md").read_text(encoding="utf-8")
    for module in (footprints.optimiser, footprints.rules):
        assert f"## `{module.__name__}`" in text
        for name in module.__all__:
            assert f"### `{name}`" in text
