"""Vietnamese ordering of unit and official names, as a Vietnamese reader expects a list."""

from services.discipline.domain.directory import person_sort_key, vietnamese_sort_key


def ordered(names):
    return sorted(names, key=vietnamese_sort_key)


def test_d_with_stroke_comes_after_d():
    assert ordered(["Đống Đa", "Dương Nội"]) == ["Dương Nội", "Đống Đa"]
    assert ordered(["Phường Đống Đa", "Phường Dương Nội", "Phường Định Công"]) == [
        "Phường Dương Nội", "Phường Định Công", "Phường Đống Đa"]


def test_o_with_circumflex_comes_after_l_and_after_plain_o():
    assert ordered(["Ô Chợ Dừa", "Long Biên"]) == ["Long Biên", "Ô Chợ Dừa"]
    assert ordered(["Ơ", "Ô", "O", "P"]) == ["O", "Ô", "Ơ", "P"]


def test_letters_with_breve_circumflex_and_horn_follow_their_base_letter():
    assert ordered(["Âu", "Ba", "Ăn", "An"]) == ["An", "Ăn", "Âu", "Ba"]
    assert ordered(["Vân", "Ưng", "Uông"]) == ["Uông", "Ưng", "Vân"]


def test_tones_decide_only_between_names_with_the_same_letters_in_dictionary_order():
    # ngang, huyền, hỏi, ngã, sắc, nặng
    assert ordered(["mạ", "má", "mã", "mả", "mà", "ma"]) == ["ma", "mà", "mả", "mã", "má", "mạ"]
    # a tone never beats a letter: "Bà Triệu" after "Ba Đình" because đ comes before t
    assert ordered(["Bà Triệu", "Ba Đình"]) == ["Ba Đình", "Bà Triệu"]


def test_a_shorter_name_comes_first_and_spacing_or_case_does_not_reorder():
    assert ordered(["Hà Đông", "Hà"]) == ["Hà", "Hà Đông"]
    assert vietnamese_sort_key("Hà  Đông ") == vietnamese_sort_key("Hà Đông")
    # case decides last, lower case first: only two spellings of the same name
    assert ordered(["Hà Nội", "hà nội", "Hà Nam"]) == ["Hà Nam", "hà nội", "Hà Nội"]


def test_decomposed_unicode_sorts_like_composed():
    composed = "Phường Ô Chợ Dừa"
    import unicodedata

    assert vietnamese_sort_key(unicodedata.normalize("NFD", composed)) == vietnamese_sort_key(composed)


def test_the_key_is_plain_ascii_so_the_database_sorts_it_the_same_way():
    key = vietnamese_sort_key("Xã Sóc Sơn")
    assert key.isascii()
    assert sorted([vietnamese_sort_key(n) for n in ["Đông Anh", "Dương Nội"]]) == [
        vietnamese_sort_key("Dương Nội"), vietnamese_sort_key("Đông Anh")]


def test_people_sort_by_given_name_first():
    names = ["Lê Thị Bình", "Trần Văn An", "Nguyễn Văn Đức", "Phạm Minh Dũng"]
    assert sorted(names, key=person_sort_key) == ["Trần Văn An", "Lê Thị Bình", "Phạm Minh Dũng",
                                                  "Nguyễn Văn Đức"]
