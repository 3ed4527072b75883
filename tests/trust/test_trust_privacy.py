"""Pseudonyms: the keyed HMAC, the key a run uses, and no pseudonym without a key."""

import numpy as np
import pandas as pd
import pytest

from livinglab.trust import PSEUDONYM_KEY_ENV, PseudonymKeyMissing, pseudonym_key, pseudonymise

KEY_A = "a-test-key-that-is-long-enough"
KEY_B = "another-test-key-of-enough-length"


def _sentence(err: pytest.ExceptionInfo) -> str:
    """The message of a refused input: one sentence (one line, ending with a full stop)."""
    message = str(err.value.args[0])
    assert "\n" not in message and message.endswith("."), message
    return message


def test_pseudonyms_stable_for_same_key_and_differ_across_keys():
    ids = pd.Series(["P001", "P002", "P001", None, 42], index=[10, 11, 12, 13, 14], name="patient")
    a1 = pseudonymise(ids, key=KEY_A)
    a2 = pseudonymise(ids, key=KEY_A)
    b = pseudonymise(ids, key=KEY_B)
    assert a1.equals(a2)
    assert a1.index.tolist() == [10, 11, 12, 13, 14] and a1.name == "patient"
    assert a1[10] == a1[12] and a1[10] != a1[11]
    assert a1[13] is None  # missing stays missing
    assert (a1.dropna() != b.dropna()).all()
    assert not set(a1.dropna()) & {"P001", "P002", "42"}
    assert a1.dropna().str.fullmatch(r"[0-9a-f]{16}").all()


def test_pseudonym_is_the_keyed_hmac():
    import hashlib
    import hmac

    expected = hmac.new(KEY_A.encode(), b"P001", hashlib.sha256).hexdigest()[:20]
    assert pseudonymise(["P001"], key=KEY_A, length=20).iloc[0] == expected


def test_key_read_from_environment(monkeypatch):
    monkeypatch.setenv("LIVINGLAB_PSEUDONYM_KEY", KEY_A)
    from_env = pseudonymise(["x", "y"], required=True)
    assert from_env.tolist() == pseudonymise(["x", "y"], key=KEY_A).tolist()


def test_missing_key_raises_when_required(monkeypatch):
    monkeypatch.delenv("LIVINGLAB_PSEUDONYM_KEY", raising=False)
    with pytest.raises(PseudonymKeyMissing, match="set the environment variable LIVINGLAB_PSEUDONYM_KEY"):
        pseudonymise(["x"], required=True)


def test_short_key_refused():
    with pytest.raises(ValueError, match="fewer than 16"):
        pseudonymise(["x"], key="short")


def test_pseudonym_length_bounds_are_8_and_64_hex_digits():
    assert len(pseudonymise(["x"], key=KEY_A, length=8).iloc[0]) == 8
    assert len(pseudonymise(["x"], key=KEY_A, length=64).iloc[0]) == 64
    for length in (7, 65):
        with pytest.raises(ValueError, match="length must be between 8 and 64") as err:
            pseudonymise(["x"], key=KEY_A, length=length)
        assert _sentence(err).endswith(f"not {length}.")


def test_key_of_exactly_the_minimum_length_is_accepted_and_bytes_keys_work():
    sixteen = "q7-Zk2pW9x!mR4vT"
    assert pseudonymise(["x"], key=sixteen).iloc[0] != pseudonymise(["x"], key=sixteen + "a").iloc[0]
    with pytest.raises(ValueError, match="fewer than 16") as err:
        pseudonymise(["x"], key=sixteen[:15])
    _sentence(err)
    assert (
        pseudonymise(["x", "y"], key=KEY_A.encode()).tolist() == pseudonymise(["x", "y"], key=KEY_A).tolist()
    )


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("k" * 16, "only 1 different"),  # what the issue reproduced: 16 identical characters
        ("abcabcabcabcabcabc", "only 3 different"),
        ("0123456789012345678901", "repeated pattern"),  # 10 different characters, one unit repeated
        ("abcdefghijklmnopqrst", "repeated pattern"),  # a run: 20 different characters, one step
        ("Tr0ub4dor&3Tr0ub4dor&3", "repeated pattern"),  # 10 different characters, twice
    ],
)
def test_weak_keys_are_refused_with_the_command_that_makes_a_good_one(monkeypatch, key, why):
    from livinglab.trust.privacy import key_problem

    problem = key_problem(key)
    assert problem is not None and why in problem and "secrets.token_hex(32)" in problem
    assert problem.count(". ") == 0 and problem.endswith("data.")  # one sentence
    with pytest.raises(ValueError, match=why):
        pseudonymise(["x"], key=key)
    monkeypatch.setenv(PSEUDONYM_KEY_ENV, key)
    with pytest.raises(PseudonymKeyMissing, match=why):
        pseudonym_key("real")
    with pytest.raises(ValueError, match=why):
        pseudonymise(["x"])


def test_random_keys_and_the_test_keys_are_keys():
    import secrets

    from livinglab.trust.privacy import key_problem

    assert all(key_problem(secrets.token_hex(32)) is None for _ in range(200))
    assert key_problem(KEY_A) is None and key_problem(KEY_B) is None
    assert key_problem(pseudonym_key("synthetic", 3)) is None  # the seed-derived key of synthetic runs


def test_missing_ids_stay_missing_even_when_all_are_missing():
    assert pseudonymise(pd.Series([None, np.nan]), key=KEY_A).tolist() == [None, None]
    out = pseudonymise(pd.Series([np.nan, "P1"]), key=KEY_A)
    assert out.iloc[0] is None and out.iloc[1] == pseudonymise(["P1"], key=KEY_A).iloc[0]


def test_a_synthetic_run_derives_its_key_from_the_seed_and_real_data_need_the_secret(monkeypatch):
    monkeypatch.delenv(PSEUDONYM_KEY_ENV, raising=False)
    assert pseudonym_key("synthetic", 3) == pseudonym_key("synthetic", 3) != pseudonym_key("synthetic", 4)
    assert len(pseudonym_key("synthetic", 0)) == 64
    for mode in ("real", "file"):
        with pytest.raises(PseudonymKeyMissing, match="secrets.token_hex"):
            pseudonym_key(mode, 0)
    monkeypatch.setenv(PSEUDONYM_KEY_ENV, KEY_A)
    assert pseudonym_key("file", 0) == KEY_A


def test_without_a_key_no_pseudonym_is_made(monkeypatch):
    monkeypatch.delenv(PSEUDONYM_KEY_ENV, raising=False)
    with pytest.raises(PseudonymKeyMissing):
        pseudonymise(["P001"], required=False)  # never a random key: runs must repeat
