from hocbaso.directory.selectors import vietnamese_sort_key


def test_names_sort_by_given_name_then_family_name():
    names = ["Trần Văn Bình", "Nguyễn Thị An", "Lê Văn An", "Phạm Thị Đào", "Hoàng Thị Dung", "Vũ Minh Ân"]
    ordered = sorted(names, key=vietnamese_sort_key)
    assert ordered == ["Lê Văn An", "Nguyễn Thị An", "Vũ Minh Ân", "Trần Văn Bình", "Hoàng Thị Dung", "Phạm Thị Đào"]


def test_tones_order_after_the_letter_and_nfd_input_sorts_like_nfc():
    import unicodedata

    names = ["Lê Thị Hà", "Lê Thị Ha", "Lê Thị Hạ", "Lê Thị Hả"]
    assert sorted(names, key=vietnamese_sort_key) == ["Lê Thị Ha", "Lê Thị Hà", "Lê Thị Hả", "Lê Thị Hạ"]
    assert vietnamese_sort_key(unicodedata.normalize("NFD", "Đỗ Thị Ánh")) == vietnamese_sort_key("Đỗ Thị Ánh")
