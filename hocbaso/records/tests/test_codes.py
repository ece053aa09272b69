import itertools

import pytest

from hocbaso.records.codes import (ALPHABET, new_lookup_code, new_record_id, normalize_lookup_code)


def test_lookup_code_shape_and_round_trip():
    code = new_lookup_code()
    assert len(code) == 13 and code[4] == "-" and code[9] == "-"
    assert normalize_lookup_code(code) == code
    assert normalize_lookup_code(code.lower().replace("-", " ")) == code


def test_every_single_character_mistake_is_caught():
    for _ in range(30):
        code = new_lookup_code()
        compact = code.replace("-", "")
        for position in range(len(compact) - 1):  # every data symbol
            for wrong in ALPHABET:
                if wrong != compact[position]:
                    typo = compact[:position] + wrong + compact[position + 1:]
                    assert normalize_lookup_code(typo) is None, (code, typo)


def test_adjacent_swaps_are_caught():
    for _ in range(200):
        compact = new_lookup_code().replace("-", "")
        for i in range(len(compact) - 2):
            if compact[i] != compact[i + 1]:
                swapped = compact[:i] + compact[i + 1] + compact[i] + compact[i + 2:]
                assert normalize_lookup_code(swapped) is None


def test_confusable_letters_are_read_forgivingly():
    code = new_lookup_code()
    fuzzy = code.replace("0", "O").replace("1", "l")
    assert normalize_lookup_code(fuzzy) == code


@pytest.mark.parametrize("text", ["", "ABC", "ABCD-EFGH-JKMN-P", "ÀBCD-EFGH-JK1"])
def test_malformed_codes_are_refused(text):
    assert normalize_lookup_code(text) is None


def test_codes_and_ids_are_unique():
    codes = {new_lookup_code() for _ in range(5000)}
    ids = {new_record_id("67000101", "2024-2025") for _ in range(5000)}
    assert len(codes) == 5000 and len(ids) == 5000
    assert next(iter(ids)).startswith("67000101-2425-")


def test_codes_are_letters_and_digits_only():
    assert all(ch in ALPHABET + "-" for _ in range(2000) for ch in new_lookup_code())


def test_no_ambiguous_letters_in_alphabet():
    assert not set("ILOU") & set(ALPHABET)
    assert len(set(itertools.chain(ALPHABET))) == 32
