import re
import struct

from skfix.reporting import write_plots

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_size(path):
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_plots_are_written_per_symbol_and_for_the_panel(run_dir):
    out_dir, _, plots = run_dir
    names = [p.name for p in plots]
    assert names[:2] == ["SP500_scores.png", "SP500_folds.png"]
    assert re.fullmatch(r"EUR_USD-[0-9a-f]{8}_scores\.png", names[2])
    assert re.fullmatch(r"EUR_USD-[0-9a-f]{8}_folds\.png", names[3])
    assert names[4:] == ["gap_distribution.png"]
    assert all(p.parent == out_dir / "plots" for p in plots)


def test_plots_are_valid_readable_pngs(run_dir):
    _, _, plots = run_dir
    for path in plots:
        assert path.stat().st_size > 5_000
        width, height = _png_size(path)
        assert width >= 500 and height >= 400


def test_failed_symbol_gets_no_plot(run_dir):
    _, _, plots = run_dir
    assert not [p for p in plots if p.name.startswith("BTC")]


def test_every_plot_is_linked_from_a_report(run_dir):
    _, reports, plots = run_dir
    text = "".join(p.read_text(encoding="utf-8") for p in reports)
    for path in plots:
        assert f"](../plots/{path.name})" in text


def test_no_temporary_files_are_left(run_dir):
    out_dir, _, _ = run_dir
    assert sorted(p.name for p in (out_dir / "plots").iterdir()) == sorted(
        p.name for p in run_dir[2]
    )


def test_plots_are_reproducible(manifest, tmp_path):
    manifest["symbols"] = {"SP500": manifest["symbols"]["SP500"]}
    first = [p.read_bytes() for p in write_plots(manifest, tmp_path / "a")]
    second = [p.read_bytes() for p in write_plots(manifest, tmp_path / "b")]
    assert first == second
    assert b"matplotlib" not in first[0]


def test_nothing_to_plot_writes_nothing(manifest, tmp_path):
    manifest["symbols"] = {"BTC": manifest["symbols"]["BTC"]}
    assert write_plots(manifest, tmp_path) == []


def test_odd_names_and_missing_scores_do_not_break_plots(manifest, tmp_path):
    entry = manifest["symbols"]["EUR/USD"]
    entry["candidates"][0]["name"] = "$rf_{1}"
    entry["candidates"][1]["test_score"] = None
    entry["candidates"][1]["fold_validation_scores"] = [None, 0.5, None, 0.52, 0.55]
    manifest["symbols"] = {"$SPX^": entry}
    paths = write_plots(manifest, tmp_path)
    assert len(paths) == 3
    assert all(p.read_bytes()[:8] == PNG_SIGNATURE for p in paths)
