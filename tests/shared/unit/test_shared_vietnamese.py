"""Vietnamese dictionary order, shared by every list users read."""

from shared.vietnamese import sort_key


def test_letters_follow_the_vietnamese_alphabet_then_tones():
    names = ["Xuân Đỉnh", "Ô Chợ Dừa", "Đống Đa", "Dương Nội", "Ba Đình", "Ăn Khê", "An Khánh", "Long Biên"]
    assert sorted(names, key=sort_key) == ["An Khánh", "Ăn Khê", "Ba Đình", "Dương Nội", "Đống Đa", "Long Biên",
                                           "Ô Chợ Dừa", "Xuân Đỉnh"]
    assert sorted(["ma", "mạ", "mà", "má", "mả", "mã"], key=sort_key) == ["ma", "mà", "mả", "mã", "má", "mạ"]


def test_numbers_compare_by_value_and_composed_or_decomposed_text_is_the_same():
    assert sorted(["Phường 10", "Phường 2", "phường 1"], key=sort_key) == ["phường 1", "Phường 2", "Phường 10"]
    assert sort_key("Đống Đa") == sort_key("Đo\u0302\u0301ng Đa")
    assert sort_key("Ðống Đa") == sort_key("Đống Đa")  # eth typed for đ


def test_the_key_is_ascii_so_the_database_can_sort_on_it():
    assert sort_key("Sở Nông nghiệp và Môi trường").isascii()
