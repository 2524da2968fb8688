"""The CLI surface: `judge RUN_DIR`, `run --judge`, `judge pairwise`, `judge calibrate`, error exits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mella_bench.cli import main
from tests.conftest import write_dataset
from tests.support.fake_openai import FakeOpenAI, judge_responder
from tests.judge.conftest import KEY, KEY_ENV, make_run


def _judge_args(srv: FakeOpenAI) -> list[str]:
    return ["--judge", srv.model, "--judge-base-url", srv.base_url, "--judge-api-key-env", KEY_ENV, "--quiet",
            "--judge-retries", "1", "--judge-timeout", "5"]


def test_judge_run_dir_prints_summary(run_dir: Path, capsys: pytest.CaptureFixture) -> None:
    with FakeOpenAI(responder=judge_responder(4), api_key=KEY) as srv:
        assert main(["judge", str(run_dir), *_judge_args(srv), "--no-judge-images"]) == 0
        out = capsys.readouterr()
        assert "judge:cultural_depth" in out.out and "4.00" in out.out and "images:off" in out.out
        # images off: items of one language share text in this fixture, so identical judgments are sent once
        assert "16 new ok" in out.err and "(8 sent)" in out.err and srv.n_chat == 8
        assert main(["judge", "run", str(run_dir), *_judge_args(srv), "--no-judge-images"]) == 0
        assert "16 reused" in capsys.readouterr().err and srv.n_chat == 8
    # the run is rescored: summary.json carries the judge dimensions with CI, n and signature
    summary = json.loads((run_dir / "summary.json").read_text())
    entry = summary["tasks"]["mella_th_know"]["metrics"]["judge:cultural_depth"]
    assert entry["value"] == 4.0 and entry["n"] == 2 and entry["ci"] == [4.0, 4.0]
    assert "judge_model:" + srv.model in entry["signature"] and "images:off" in entry["signature"]


def test_run_with_judge(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    data = write_dataset(tmp_path / "data", langs=("vi",), per_axis=1)
    out_dir = tmp_path / "run"
    with FakeOpenAI(responder=judge_responder(5), api_key=KEY) as srv:
        rc = main(["run", "--model", "reference:thick", "--langs", "vi", "--data", str(data), "--output", str(out_dir),
                   *_judge_args(srv)])
    assert rc == 0
    assert "judge:linguistic_fluency" in capsys.readouterr().out and (out_dir / "judgments.jsonl").is_file()


def test_wrong_key_exits_cleanly_without_leaking(run_dir: Path, capsys: pytest.CaptureFixture,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = "sk-wrong-key-for-cli-test-00000"
    monkeypatch.setenv(KEY_ENV, wrong)
    with FakeOpenAI(responder=judge_responder(4), api_key=KEY) as srv:  # echoes the wrong key in its 401
        assert main(["judge", str(run_dir), *_judge_args(srv)]) == 3
        assert srv.n_chat == 0
    err = capsys.readouterr().err
    assert "rejected the key in $" + KEY_ENV in err and wrong not in err and KEY not in err
    for path in run_dir.rglob("*"):
        if path.is_file():
            assert wrong.encode() not in path.read_bytes()


def test_wrong_url_exits(run_dir: Path, capsys: pytest.CaptureFixture) -> None:
    rc = main(["judge", str(run_dir), "--judge", "m", "--judge-base-url", "http://127.0.0.1:9/v1",
               "--api-key-env", KEY_ENV, "--quiet", "--judge-retries", "0"])
    assert rc == 3 and "cannot reach" in capsys.readouterr().err


def test_pairwise_and_calibrate_cli(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    a = make_run(tmp_path, name="a", langs=("th",))
    b = make_run(tmp_path, name="b", langs=("th",), model="reference:thin", data=tmp_path / "data")
    with FakeOpenAI(responder=judge_responder(4, winner="tie"), api_key=KEY) as srv:
        assert main(["judge", "pairwise", str(a), str(b), *_judge_args(srv)]) == 0
        assert "0.500" in capsys.readouterr().out
        assert main(["judge", "calibrate", "--data", str(tmp_path / "data"), "--langs", "th",
                     "--output", str(tmp_path / "cal"), *_judge_args(srv)]) == 0
        assert "thick>thin" in capsys.readouterr().out


def test_not_a_run_dir(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["judge", str(tmp_path), "--judge", "m", "--quiet"]) == 2
    assert "not a run directory" in capsys.readouterr().err


def test_failed_pairwise_and_calibrate_leave_no_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    a = make_run(tmp_path, name="a", langs=("th",))
    b = make_run(tmp_path, name="b", langs=("th",), model="reference:thin", data=tmp_path / "data")
    bad = ["--judge", "m", "--judge-base-url", "http://127.0.0.1:9/v1", "--judge-api-key-env", KEY_ENV, "--quiet",
           "--judge-retries", "0"]
    assert main(["judge", "pairwise", str(a), str(b), *bad]) == 3
    assert not (a / "pairwise").exists()
    assert main(["judge", "calibrate", "--data", str(tmp_path / "data"), "--langs", "th",
                 "--output", str(tmp_path / "cal"), *bad]) == 3
    assert not (tmp_path / "cal").exists()
    assert "cannot reach" in capsys.readouterr().err
