"""The map matches the code: the README's architecture section lists exactly the packages under hocbaso/, in
layer order; docs/architecture.md's layer table is tests/layers.py's; its table of the lifecycle's stages lists
exactly the modules of records/; and every document docs/README.md links to exists."""

import re
from pathlib import Path

from layers import LAYERS

ROOT = Path(__file__).resolve().parents[1]
HOCBASO = ROOT / "hocbaso"
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def packages() -> set[str]:
    return {path.parent.name for path in HOCBASO.glob("*/__init__.py")}


def readme_folders() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Architecture", 1)[1].split("```", 2)[1]
    return re.findall(r"^  (\w+)/", section, flags=re.M)


def test_the_readme_lists_every_package_once_and_nothing_else():
    folders = readme_folders()
    assert len(folders) == len(set(folders))
    assert set(folders) == packages()


def test_the_readme_lists_the_apps_in_layer_order():
    layered = [folder for folder in readme_folders() if folder in LAYERS]
    assert [LAYERS[folder] for folder in layered] == sorted(LAYERS[folder] for folder in layered)
    assert set(LAYERS) <= set(readme_folders())


def test_the_architecture_document_gives_each_app_the_layer_of_the_checker():
    rows = re.findall(r"^\| (\d+) \| ([^|]+) \|", ARCHITECTURE, flags=re.M)
    documented = {app: int(layer) for layer, apps in rows for app in re.findall(r"`(\w+)`", apps)}
    assert documented == LAYERS


def test_the_architecture_document_names_every_stage_module_of_records():
    section = ARCHITECTURE.split("## The record's lifecycle", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `(\w+)\.py` \|", section, flags=re.M))
    modules = {path.stem for path in (HOCBASO / "records").glob("*.py")} - {"__init__", "apps", "models"}
    assert documented == modules


def test_every_document_the_index_links_to_exists():
    index = ROOT / "docs" / "README.md"
    links = re.findall(r"\]\(([^)#]+)\)", index.read_text(encoding="utf-8"))
    assert links
    missing = [link for link in links if not (index.parent / link).exists()]
    assert not missing
