"""Places around Trường Tiểu học Trung Vương: xã Trường Xuân, tỉnh Lâm Đồng since 1/7/2025 (before: xã Trường
Xuân, huyện Đắk Song, tỉnh Đắk Nông). Addresses are free text and keep the names people wrote."""

VILLAGES = ["Thôn 1", "Thôn 2", "Thôn 3", "Thôn 4", "Thôn 5", "Thôn 6", "Thôn 7", "Bon Bu Bơ", "Bon Bu Păh", "Bon Ja Lú"]
COMMUNE = "Xã Trường Xuân"
DISTRICT = "Huyện Đắk Song"
DISTRICT_CODE = "665"  # in the list in force until 30/6/2025 (as in github.com/daohoangson/dvhcvn, v20250301)
PROVINCE = "Tỉnh Đắk Nông"
# Since 1/7/2025 (Nghị quyết 202/2025/QH15): Đắk Nông merged into Lâm Đồng (68); Trường Xuân and Nâm N'Jang
# form xã Trường Xuân (Nghị quyết 1671/NQ-UBTVQH15, Điều 1, khoản 91). Codes: the list of Quyết định
# 19/2025/QĐ-TTg as first published by Cục Thống kê, Công văn 1027/CTK-CSCL of 25/6/2025, Phụ lục I (Lâm Đồng:
# nos. 2344-2467; xã Trường Xuân no. 2456, 24730, the former commune's code), read in the public transcription
# github.com/dvhcvn/20250701, input/docs/1027_CTK-CSCL.md (docs/dashboards.md, "The demo's places").
NEW_PROVINCE_CODE = "68"
NEW_PROVINCE = "Tỉnh Lâm Đồng"
NEW_COMMUNE_CODE = "24730"
NEW_COMMUNE = "xã Trường Xuân"
OTHER_COMMUNES = ["Xã Nâm N'Jang", "Xã Đắk Môl", "Thị trấn Đức An", "Xã Thuận Hạnh", "Xã Nam Bình"]
# Where families came from (quê quán): many moved to the Central Highlands from the north and the centre.
HOMETOWNS = ["Xã Trường Xuân, Huyện Đắk Song, Tỉnh Đắk Nông", "Xã Nghi Xuân, Huyện Nghi Lộc, Tỉnh Nghệ An",
             "Xã Quảng Phú, Huyện Quảng Điền, Tỉnh Thừa Thiên Huế", "Xã Thái Thụy, Huyện Thái Thụy, Tỉnh Thái Bình",
             "Xã Đức Hòa, Huyện Mộ Đức, Tỉnh Quảng Ngãi", "Xã Hòa Bình, Huyện Trùng Khánh, Tỉnh Cao Bằng",
             "Xã Kim Sơn, Huyện Kim Sơn, Tỉnh Ninh Bình", "Xã Nâm N'Jang, Huyện Đắk Song, Tỉnh Đắk Nông"]
BIRTHPLACES = ["Trung tâm Y tế huyện Đắk Song, Tỉnh Đắk Nông", "Xã Trường Xuân, Huyện Đắk Song, Tỉnh Đắk Nông",
               "Bệnh viện Đa khoa tỉnh Đắk Nông", "Thị trấn Đức An, Huyện Đắk Song, Tỉnh Đắk Nông"]
