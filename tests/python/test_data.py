"""How tabular_train.py reads a channel (no training: fast)."""

from __future__ import annotations

import gzip

import pytest

from conftest import TRAIN_SCRIPT, load_script

tt = load_script(TRAIN_SCRIPT, "tabular_train_data_under_test")


def test_several_files_are_read_in_path_order_with_types_inferred_over_all(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.csv").write_text("x,y,z\n3,c,0.1\n")
    (tmp_path / "a.csv").write_text("y,x,z\na,1,0.30000000000000004\nb,2,\n")  # other column order
    with gzip.open(tmp_path / "c.csv.gz", "wt") as f:
        f.write("x,y,z\nfour,d,1e-3\n")
    (tmp_path / ".hidden.csv").write_text("nope\n")
    (tmp_path / "README.txt").write_text("ignored")
    frame, names = tt.read_channel(tmp_path, "train")
    assert names == ["a.csv", "b/2.csv", "c.csv.gz"]
    assert list(frame.columns) == ["y", "x", "z"]
    assert list(frame["y"]) == ["a", "b", "c", "d"]
    # "four" in the last file makes x a text column for every row, as in one big CSV.
    assert list(frame["x"]) == ["1", "2", "3", "four"]
    assert frame["z"].dtype.kind == "f" and frame["z"].iloc[0] == 0.30000000000000004
    assert frame["z"].isna().tolist() == [False, True, False, False]


def test_numbers_are_parsed_exactly(tmp_path):
    # pandas' default parser rounds some of these one ulp off; serving parses with float().
    values = ["0.0506801187398187", "-0.044641636506989", "0.1234567890123456789", "5e-324"]
    (tmp_path / "d.csv").write_text("v\n" + "\n".join(values) + "\n")
    frame, _ = tt.read_channel(tmp_path, "train")
    assert frame["v"].tolist() == [float(v) for v in values]


def test_a_single_file_channel(tmp_path):
    path = tmp_path / "train.csv"
    path.write_text("a,y\n1,0\n")
    frame, names = tt.read_channel(path, "train")
    assert names == ["train.csv"] and frame.shape == (1, 2)


def test_missing_channel_directory(tmp_path):
    with pytest.raises(tt.UserError, match="does not exist"):
        tt.read_channel(tmp_path / "nope", "test")


@pytest.mark.parametrize("dtype, kind", [("int64", "integer"), ("float64", "float"), ("bool", "bool"),
                                         ("object", "string")])
def test_feature_types(dtype, kind):
    import numpy as np

    assert tt.feature_type(np.dtype(dtype)) == kind
