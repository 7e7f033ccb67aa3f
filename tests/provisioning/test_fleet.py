"""``kiosk-provision fleet``: good and bad rows, deterministic output, a provisioning sheet looked at as PNG."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from support.ci import require_program
from support.commission import NOW, Commission, common_settings, make_commission

from kiosk.station_config_verify import commission_keys_from_certificates, config_digest, load_station_config
from provisioning.cli import main

HEADER = ("station,region,address_kk,address_ru,address_en,boundaries,commission_desk,voting_day,opens,closes,"
          "services,printer\n")
GOOD_ROW = ('{n},KZ-43,"Қызылорда қ., Әйтеке би көшесі, {n}","г. Кызылорда, ул. Айтеке би, {n}",'
            '"Kyzylorda, Aiteke bi St {n}",KZ-43/2026/PS-{n:04d},1,2026-03-15,07:00,20:00,'
            'registration_check;temporary_registration,\n')


@pytest.fixture(scope="module")
def commission(tmp_path_factory: pytest.TempPathFactory) -> Commission:
    return make_commission(tmp_path_factory.mktemp("commission"))


def _files(tmp_path: Path, rows: str) -> tuple[Path, Path]:
    stations = tmp_path / "stations.csv"
    stations.write_text(HEADER + rows, encoding="utf-8")
    common = tmp_path / "common.json"
    common.write_text(json.dumps(common_settings()), encoding="utf-8")
    return stations, common


def _run(stations: Path, common: Path, out: Path, commission: Commission, *extra: str) -> int:
    return main(["fleet", "--csv", str(stations), "--common", str(common), "--out", str(out),
                 "--commission-key", str(commission.key_path), "--passphrase-file", str(commission.passphrase_path),
                 *extra])


def test_bad_rows_are_reported_by_line_and_the_rest_produced(
    tmp_path: Path, commission: Commission, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = (
        GOOD_ROW.format(n=1)                                      # line 2
        + GOOD_ROW.format(n=2).replace("07:00", "7 am")           # line 3: bad opening time
        + "\n"                                                    # line 4: blank, skipped
        + GOOD_ROW.format(n=3).replace(',"Kyzylorda', ',"Kyzylorda\nOld Town')  # lines 5-6: a quoted line break
        + GOOD_ROW.format(n=1)                                    # line 7: station 1 again
        + "4,KZ-43,only,three\n"                                  # line 8: too few cells
        + GOOD_ROW.format(n=5).replace(",1,2026", ",x,2026")       # line 9: desk not a number
        + GOOD_ROW.format(n=6).replace(",\n", ",laser\n")          # line 10: unknown printer
        + GOOD_ROW.format(n=7)                                    # line 11
    )
    stations, common = _files(tmp_path, rows)
    out = tmp_path / "out"
    assert _run(stations, common, out, commission, "--json") == 1
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["written"] == 3
    assert [(failure["line"], failure["reason"]) for failure in result["failed"]] == [
        (3, "'opens' must be a time HH:MM"),
        (7, "station 1 is already on line 2"),
        (8, "4 cells where the header has 12 columns"),
        (9, "'commission_desk' must be a whole number"),
        (10, "'devices.printer.kind' must be one of escpos, cups"),
    ]
    assert f"{stations} line 3: 'opens' must be a time HH:MM" in captured.err
    assert "Кызылорда" not in captured.err  # no address in a report
    assert sorted(path.name for path in out.iterdir()) == [
        "manifest.csv", "station-00001.json", "station-00003.json", "station-00007.json",
    ]
    keys = commission_keys_from_certificates([commission.certificate], NOW)
    config = load_station_config(out / "station-00003.json", keys, 3, NOW)
    assert config.address.en == "Kyzylorda\nOld Town, Aiteke bi St 3"
    assert config.devices.printer == "escpos"  # the empty cell took the default
    manifest = list(csv.DictReader((out / "manifest.csv").open(encoding="utf-8")))
    assert [(row["line"], row["station"]) for row in manifest] == [("2", "1"), ("5", "3"), ("11", "7")]
    signed = json.loads((out / "station-00007.json").read_text(encoding="utf-8"))
    assert manifest[2]["digest"] == config_digest(signed["config"])


def test_the_same_input_gives_the_same_bytes(tmp_path: Path, commission: Commission) -> None:
    stations, common = _files(tmp_path, "".join(GOOD_ROW.format(n=n) for n in range(1, 8)))
    assert _run(stations, common, tmp_path / "a", commission, "--quiet", "--sheets", "--workers", "2") == 0
    assert _run(stations, common, tmp_path / "b", commission, "--quiet", "--sheets", "--workers", "1") == 0
    names = sorted(path.name for path in (tmp_path / "a").iterdir())
    assert len(names) == 7 * 2 + 1
    assert names == sorted(path.name for path in (tmp_path / "b").iterdir())
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_a_provisioning_sheet_renders_with_kazakh_text_and_a_readable_digest_code(
    tmp_path: Path, commission: Commission, capsys: pytest.CaptureFixture[str]
) -> None:
    require_program("pdftoppm", "poppler-utils")
    stations, common = _files(tmp_path, GOOD_ROW.format(n=101))
    out = tmp_path / "out"
    assert _run(stations, common, out, commission, "--sheets") == 0
    assert "sheets [" in capsys.readouterr().err  # the progress bar
    pdf = out / "station-00101.pdf"
    subprocess.run(["pdftoppm", "-png", "-r", "100", "-singlefile", str(pdf), str(tmp_path / "sheet")], check=True)
    page_count = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert "Pages:           1" in page_count
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert "Қызылорда қ., Әйтеке би көшесі, 101" in text
    assert "kiosk-provision config apply station-00101.json" in text
    image = Image.open(tmp_path / "sheet.png")
    decoded = zxingcpp.read_barcodes(image)
    signed = json.loads((out / "station-00101.json").read_text(encoding="utf-8"))
    assert [code.text for code in decoded] == [f"kz-station-config:101:1:sha256:{config_digest(signed['config'])}"]


@pytest.mark.parametrize(("arguments", "message"), [
    (["--workers", "0"], "--workers must be at least 1"),
    (["--common", "{missing}"], "cannot read the shared settings"),
    (["--csv", "{missing}"], "cannot read the station list"),
])
def test_bad_arguments_exit_2(
    tmp_path: Path, commission: Commission, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    stations, common = _files(tmp_path, GOOD_ROW.format(n=1))
    options = {"--csv": str(stations), "--common": str(common), "--out": str(tmp_path / "out"),
               "--commission-key": str(commission.key_path), "--passphrase-file": str(commission.passphrase_path)}
    for position in range(0, len(arguments), 2):
        options[arguments[position]] = arguments[position + 1].format(missing=tmp_path / "missing")
    flat = [item for pair in options.items() for item in pair]
    assert main(["fleet", *flat]) == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1


def test_a_header_missing_a_column_or_with_an_unknown_one_is_a_usage_error(
    tmp_path: Path, commission: Commission, capsys: pytest.CaptureFixture[str]
) -> None:
    stations, common = _files(tmp_path, "")
    stations.write_text("station,region,colour\n1,KZ-43,red\n", encoding="utf-8")
    assert _run(stations, common, tmp_path / "out", commission) == 2
    assert "lacks the column(s) address_kk" in capsys.readouterr().err
    stations.write_text(HEADER.replace("printer", "colour") + GOOD_ROW.format(n=1), encoding="utf-8")
    assert _run(stations, common, tmp_path / "out", commission) == 2
    assert "unknown column 'colour'" in capsys.readouterr().err


def test_a_wrong_passphrase_is_a_key_error(tmp_path: Path, commission: Commission,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    stations, common = _files(tmp_path, GOOD_ROW.format(n=1))
    wrong = tmp_path / "wrong"
    wrong.write_text("not it\n", encoding="utf-8")
    assert main(["fleet", "--csv", str(stations), "--common", str(common), "--out", str(tmp_path / "out"),
                 "--commission-key", str(commission.key_path), "--passphrase-file", str(wrong)]) == 5
    assert "cannot be decrypted" in capsys.readouterr().err
