"""Realistic Vietnamese names for the demo school (Kinh and the minorities of Đắk Song)."""

import random

FAMILY = [("Nguyễn", 31), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 4), ("Huỳnh", 3), ("Vũ", 3), ("Võ", 3),
          ("Phan", 3), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Hồ", 2), ("Ngô", 2), ("Dương", 1), ("Lý", 1),
          ("Đinh", 1), ("Trương", 1), ("Mai", 1), ("Đoàn", 1), ("Lương", 1), ("Tạ", 1)]
MIDDLE = {"male": ["Văn", "Minh", "Đức", "Quốc", "Gia", "Hoàng", "Thanh", "Anh", "Hữu", "Công", "Bảo", "Trung", "Đình", "Nhật"],
          "female": ["Thị", "Ngọc", "Thu", "Thanh", "Minh", "Bảo", "Khánh", "Phương", "Mai", "Hoài", "Diệu", "Thảo", "Kim", "Gia"]}
GIVEN = {"male": ["An", "Bình", "Cường", "Dũng", "Đạt", "Đức", "Hải", "Hiếu", "Hoàng", "Huy", "Hùng", "Khang", "Khoa",
                  "Khôi", "Kiên", "Lâm", "Long", "Lộc", "Minh", "Nam", "Nghĩa", "Nhân", "Phát", "Phong", "Phúc", "Quân",
                  "Quang", "Sơn", "Tài", "Thắng", "Thành", "Thịnh", "Tiến", "Toàn", "Trí", "Trung", "Tuấn", "Vinh", "Vũ"],
         "female": ["An", "Anh", "Ánh", "Châu", "Chi", "Diệp", "Dung", "Giang", "Hà", "Hân", "Hằng", "Hạnh", "Hoa", "Huyền",
                    "Hương", "Lan", "Linh", "Loan", "Ly", "Mai", "My", "Ngân", "Ngọc", "Nhi", "Nhung", "Oanh", "Phương",
                    "Quỳnh", "Tâm", "Thảo", "Thư", "Thủy", "Trang", "Trâm", "Tuyết", "Uyên", "Vân", "Vy", "Yến"]}
# M'Nông and Mạ names of Đắk Song (men: Điểu/Y, women: Thị/H'); Tày and Nùng families came from the north.
MINORITY = {
    "M'Nông": {"family": ["Điểu", "Thị", "Y"], "male": ["Điểu Khanh", "Y Phôn", "Điểu Bảo", "Y Khiêm", "Điểu Sáu"],
               "female": ["Thị Hoàn", "H' Loan", "Thị Bình", "H' Nhi", "Thị Mai"]},
    "Mạ": {"male": ["K' Dũng", "K' Hòa", "K' Tâm"], "female": ["Ka Thủy", "Ka Nhung", "Ka Liên"]},
}
MINORITY_KINH_NAMED = ["Tày", "Nùng", "Thái", "Dao"]


def weighted_family(rng: random.Random) -> str:
    names, weights = zip(*FAMILY)
    return rng.choices(names, weights=weights)[0]


def kinh_name(rng: random.Random, gender: str) -> str:
    return f"{weighted_family(rng)} {rng.choice(MIDDLE[gender])} {rng.choice(GIVEN[gender])}"


def pupil_name_and_ethnicity(rng: random.Random, gender: str) -> tuple[str, str]:
    """A pupil's full name and ethnicity: most Kinh, about one in eight of a minority."""
    roll = rng.random()
    if roll < 0.06:
        return rng.choice(MINORITY["M'Nông"][gender]), "M'Nông"
    if roll < 0.08:
        return rng.choice(MINORITY["Mạ"][gender]), "Mạ"
    if roll < 0.13:
        return kinh_name(rng, gender), rng.choice(MINORITY_KINH_NAMED)
    return kinh_name(rng, gender), "Kinh"


def parent_name(rng: random.Random, gender: str, family: str) -> str:
    middle = "Văn" if gender == "male" else "Thị"
    return f"{family} {middle} {rng.choice(GIVEN[gender])}"
