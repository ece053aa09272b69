"""How the engine names things in its Vietnamese messages (the học bạ's own words)."""

from hocbaso.tt27 import catalogue


def subject_name(code: str) -> str:
    """``môn Toán``, ``Hoạt động trải nghiệm``: a subject as a sentence names it (code if unknown)."""
    name = catalogue.SUBJECTS.get(code)
    if name is None:
        return f'môn "{code}"'
    return name if code == "hoat_dong_trai_nghiem" else f"môn {name}"


def quality_name(code: str) -> str:
    """``phẩm chất Yêu nước``."""
    return f"phẩm chất {catalogue.QUALITIES.get(code, code)}"


def competence_name(code: str) -> str:
    """``năng lực Tự chủ và tự học``."""
    return f"năng lực {catalogue.COMPETENCES.get(code, code)}"


def period_name(period: str) -> str:
    """``giữa học kì I``, ``cuối năm học``: a period in the middle of a sentence."""
    name = catalogue.PERIODS.get(period, period)
    return name[0].lower() + name[1:]


def scale_words(scale: dict[str, str]) -> str:
    """``T (Hoàn thành tốt), H (Hoàn thành), C (Chưa hoàn thành)``: letters said in words."""
    return ", ".join(f"{letter} ({words})" for letter, words in scale.items())


def capitalised(text: str) -> str:
    """The text with its first letter upper-cased, for the start of a sentence."""
    return text[:1].upper() + text[1:]
