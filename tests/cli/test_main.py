import json
import subprocess
import sys

from conftest import SAMPLE_WARC

from mmcorpus.cli.main import main


def test_help_lists_commands(capsys):
    assert main([]) == 2
    out = capsys.readouterr().out
    assert "warc-stats" in out


def test_warc_stats_on_bundled_sample(capsys):
    assert main(["warc-stats", "-q", str(SAMPLE_WARC)]) == 0
    out = capsys.readouterr().out
    assert "ledger adds up: 22 records read in 1 file(s)" in out
    assert "image/jpeg" in out


def test_warc_stats_json(capsys):
    assert main(["warc-stats", "-q", "--json", str(SAMPLE_WARC)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["balanced"] is True
    assert data["ledger"]["pages"] == 9 and data["ledger"]["images"] == 9
    assert data["records_by_warc_type"] == {"response": 20, "warcinfo": 1, "request": 1}


def test_bad_path_is_a_clear_error(capsys):
    assert main(["warc-stats", "/no/such.warc.gz"]) == 2
    assert "no such file: /no/such.warc.gz" in capsys.readouterr().err


def test_bad_override_is_a_clear_error(capsys):
    assert main(["warc-stats", "--set", "image.min_side=huge", str(SAMPLE_WARC)]) == 2
    assert "cannot use 'huge'" in capsys.readouterr().err


def test_console_script_runs():
    r = subprocess.run([sys.executable, "-m", "mmcorpus", "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("mmcorpus ")


def test_only_the_command_being_run_is_imported():
    import subprocess
    import sys

    code = ("import sys; from mmcorpus.cli.main import main\n"
            "try:\n    main(['show', '--help'])\nexcept SystemExit:\n    pass\n"
            "print('apache_beam' in sys.modules, 'torch' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip().endswith("False False")
