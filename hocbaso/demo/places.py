"""Places around Trường Tiểu học Trung Vương (xã Trường Xuân, huyện Đắk Song, tỉnh Đắk Nông)."""

VILLAGES = ["Thôn 1", "Thôn 2", "Thôn 3", "Thôn 4", "Thôn 5", "Thôn 6", "Thôn 7", "Bon Bu Bơ", "Bon Bu Păh", "Bon Ja Lú"]
COMMUNE = "Xã Trường Xuân"
DISTRICT = "Huyện Đắk Song"
PROVINCE = "Tỉnh Đắk Nông"
OTHER_COMMUNES = ["Xã Nâm N'Jang", "Xã Đắk Môl", "Thị trấn Đức An", "Xã Thuận Hạnh", "Xã Nam Bình"]
# Where families came from (quê quán): many moved to the Central Highlands from the north and the centre.
HOMETOWNS = ["Xã Trường Xuân, Huyện Đắk Song, Tỉnh Đắk Nông", "Xã Nghi Xuân, Huyện Nghi Lộc, Tỉnh Nghệ An",
             "Xã Quảng Phú, Huyện Quảng Điền, Tỉnh Thừa Thiên Huế", "Xã Thái Thụy, Huyện Thái Thụy, Tỉnh Thái Bình",
             "Xã Đức Hòa, Huyện Mộ Đức, Tỉnh Quảng Ngãi", "Xã Hòa Bình, Huyện Trùng Khánh, Tỉnh Cao Bằng",
             "Xã Kim Sơn, Huyện Kim Sơn, Tỉnh Ninh Bình", "Xã Nâm N'Jang, Huyện Đắk Song, Tỉnh Đắk Nông"]
BIRTHPLACES = ["Trung tâm Y tế huyện Đắk Song, Tỉnh Đắk Nông", "Xã Trường Xuân, Huyện Đắk Song, Tỉnh Đắk Nông",
               "Bệnh viện Đa khoa tỉnh Đắk Nông", "Thị trấn Đức An, Huyện Đắk Song, Tỉnh Đắk Nông"]
