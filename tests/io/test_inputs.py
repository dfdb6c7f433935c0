import gzip

import pytest

from mmcorpus.io.inputs import InputError, expand_inputs, read_paths_list


def test_local_file_dir_and_glob(tmp_path):
    (tmp_path / "a.warc.gz").write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.arc").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("x")
    assert expand_inputs([str(tmp_path)]) == [str(tmp_path / "a.warc.gz"), str(tmp_path / "sub" / "b.arc")]
    assert expand_inputs([str(tmp_path / "*.warc.gz")]) == [str(tmp_path / "a.warc.gz")]
    # duplicates collapse, order is stable
    f = str(tmp_path / "a.warc.gz")
    assert expand_inputs([f, "file://" + f]) == [f]


def test_paths_list_joins_base_url(tmp_path):
    p = tmp_path / "warc.paths.gz"
    p.write_bytes(gzip.compress(b"crawl-data/CC-MAIN-2024-22/segments/1/warc/a.warc.gz\n\n"
                                b"s3://commoncrawl/crawl-data/b.warc.gz\n"))
    assert read_paths_list(str(p), "https://data.commoncrawl.org") == [
        "https://data.commoncrawl.org/crawl-data/CC-MAIN-2024-22/segments/1/warc/a.warc.gz",
        "s3://commoncrawl/crawl-data/b.warc.gz",
    ]
    assert expand_inputs([str(p)], "gs://mirror/")[0] == "gs://mirror/crawl-data/CC-MAIN-2024-22/segments/1/warc/a.warc.gz"


def test_urls_pass_through():
    assert expand_inputs(["https://example.org/x.warc.gz", "gs://b/y.warc.gz"]) == [
        "https://example.org/x.warc.gz", "gs://b/y.warc.gz"]


@pytest.mark.parametrize("bad", ["/no/such/file.warc.gz", "/no/such/*.warc.gz"])
def test_missing_inputs_are_clear_errors(bad):
    with pytest.raises(InputError, match="no such file|no files match"):
        expand_inputs([bad])


def test_empty_dir_and_empty_list(tmp_path):
    with pytest.raises(InputError, match="holds no"):
        expand_inputs([str(tmp_path)])
    (tmp_path / "empty.paths").write_text("\n")
    with pytest.raises(InputError, match="holds no paths"):
        expand_inputs([str(tmp_path / "empty.paths")])
    with pytest.raises(InputError, match="no input"):
        expand_inputs([])


def test_paths_list_of_non_warc_files_is_refused(tmp_path):
    p = tmp_path / "cc-index.paths"
    p.write_text("part-00000.c000.gz.parquet\n")
    with pytest.raises(InputError, match="names no .warc/.arc files"):
        expand_inputs([str(p)])


def test_real_paths_excerpt_is_an_index_list():
    """The whirlwind excerpt lists cc-index parquet files: refused with a message, not 300 failures."""
    from conftest import shared

    p = shared("cc-warc-whirlwind", "CC-MAIN-2024-22.warc.paths.gz")
    with pytest.raises(InputError, match="names no .warc/.arc files"):
        expand_inputs([str(p)])
