"""A bank of teacher comment phrases (nhận xét), per subject × rating and per quality/competence × rating.

Teachers pick a phrase in the entry grid and edit it; the demo school's comments come from here.
Phrases follow the tone TT27 asks for: what the pupil does well, and what to work on, never ranking.
"""

_SUBJECT: dict[str, dict[str, list[str]]] = {
    "tieng_viet": {
        "T": ["Đọc lưu loát, diễn cảm; viết đúng chính tả, chữ viết đẹp.", "Đọc hiểu tốt, viết đoạn văn mạch lạc, giàu hình ảnh.",
              "Nắm vững kiến thức, vận dụng từ ngữ linh hoạt khi nói và viết."],
        "H": ["Đọc khá lưu loát; cần viết cẩn thận hơn để tránh lỗi chính tả.", "Hiểu nội dung bài đọc; câu văn còn đơn giản, cần luyện thêm.",
              "Biết viết đoạn văn theo yêu cầu; cần trình bày sạch đẹp hơn."],
        "C": ["Đọc còn chậm, viết sai nhiều lỗi chính tả; cần được hỗ trợ thêm.", "Chưa viết được đoạn văn theo yêu cầu; cần luyện đọc, viết hằng ngày."],
    },
    "toan": {
        "T": ["Tính toán nhanh, chính xác; giải toán có lời văn tốt.", "Nắm chắc kiến thức, biết vận dụng giải các bài toán thực tế.",
              "Tư duy nhanh nhạy, trình bày bài giải rõ ràng."],
        "H": ["Thực hiện được các phép tính; cần cẩn thận hơn khi tính toán.", "Biết giải toán có lời văn; cần trình bày bài làm rõ ràng hơn.",
              "Nắm được kiến thức cơ bản; cần luyện thêm các bài toán thực tế."],
        "C": ["Còn nhầm lẫn khi thực hiện phép tính; cần được hướng dẫn thêm.", "Chưa giải được bài toán có lời văn; cần luyện tập thêm."],
    },
    "ngoai_ngu_1": {
        "T": ["Phát âm chuẩn, giao tiếp tự tin bằng tiếng Anh.", "Nắm vững từ vựng, mẫu câu; nghe hiểu tốt."],
        "H": ["Biết sử dụng từ vựng, mẫu câu đã học; cần mạnh dạn giao tiếp hơn.", "Nghe hiểu được câu đơn giản; cần luyện phát âm thêm."],
        "C": ["Còn nhầm lẫn từ vựng cơ bản; cần ôn luyện thường xuyên."],
    },
    "dao_duc": {
        "T": ["Lễ phép với thầy cô, hòa đồng với bạn bè; thực hiện tốt các hành vi đạo đức.", "Biết quan tâm, giúp đỡ bạn bè; trung thực trong học tập."],
        "H": ["Biết thực hiện các hành vi đạo đức đã học.", "Lễ phép với thầy cô; cần mạnh dạn hơn khi chia sẻ ý kiến."],
        "C": ["Chưa thực hiện đầy đủ các hành vi đạo đức đã học; cần được nhắc nhở thêm."],
    },
    "tu_nhien_xa_hoi": {
        "T": ["Hiểu biết tốt về tự nhiên và xã hội xung quanh, tích cực tìm hiểu.", "Biết quan sát, nhận xét sự vật, hiện tượng chính xác."],
        "H": ["Nắm được kiến thức cơ bản về tự nhiên và xã hội.", "Biết quan sát sự vật; cần tích cực phát biểu hơn."],
        "C": ["Chưa nắm được kiến thức cơ bản; cần được hướng dẫn thêm."],
    },
    "lich_su_dia_li": {
        "T": ["Nắm vững các sự kiện lịch sử, đặc điểm địa lí; kể chuyện lịch sử hấp dẫn.", "Biết sử dụng bản đồ, lược đồ thành thạo."],
        "H": ["Nắm được kiến thức cơ bản về lịch sử, địa lí.", "Nhớ được các sự kiện chính; cần tích cực tìm hiểu thêm."],
        "C": ["Chưa nhớ được các sự kiện lịch sử cơ bản; cần ôn tập thêm."],
    },
    "khoa_hoc": {
        "T": ["Hiểu và vận dụng tốt kiến thức khoa học vào cuộc sống.", "Ham tìm hiểu, làm thí nghiệm cẩn thận, chính xác."],
        "H": ["Nắm được kiến thức khoa học cơ bản.", "Biết làm thí nghiệm theo hướng dẫn; cần tự tin hơn."],
        "C": ["Chưa nắm được kiến thức cơ bản; cần được hỗ trợ thêm."],
    },
    "tin_hoc": {
        "T": ["Sử dụng máy tính thành thạo, hoàn thành tốt các bài thực hành.", "Thao tác nhanh, biết vận dụng vào học tập."],
        "H": ["Biết sử dụng máy tính theo hướng dẫn; cần thực hành thêm.", "Hoàn thành các bài thực hành cơ bản."],
        "C": ["Thao tác còn chậm; cần thực hành thêm."],
    },
    "cong_nghe": {
        "T": ["Khéo léo, sáng tạo trong các sản phẩm thủ công, kĩ thuật.", "Biết sử dụng dụng cụ an toàn, làm sản phẩm đẹp."],
        "H": ["Hoàn thành được sản phẩm theo yêu cầu.", "Biết sử dụng dụng cụ; cần cẩn thận, khéo léo hơn."],
        "C": ["Chưa hoàn thành sản phẩm theo yêu cầu; cần được hướng dẫn thêm."],
    },
    "giao_duc_the_chat": {
        "T": ["Thực hiện các động tác đúng, đẹp; tích cực tham gia trò chơi vận động.", "Có thể lực tốt, tham gia tích cực các hoạt động thể thao."],
        "H": ["Thực hiện được các động tác cơ bản.", "Tham gia các trò chơi vận động; cần tích cực rèn luyện hơn."],
        "C": ["Thực hiện động tác chưa đúng; cần luyện tập thêm."],
    },
    "am_nhac": {
        "T": ["Hát đúng giai điệu, diễn cảm; tích cực biểu diễn.", "Cảm thụ âm nhạc tốt, vận động phụ họa nhịp nhàng."],
        "H": ["Hát đúng giai điệu bài hát.", "Thuộc lời bài hát; cần mạnh dạn biểu diễn hơn."],
        "C": ["Chưa thuộc lời bài hát; cần luyện tập thêm."],
    },
    "mi_thuat": {
        "T": ["Vẽ đẹp, phối màu hài hòa, có sáng tạo.", "Sản phẩm mĩ thuật sáng tạo, trình bày đẹp."],
        "H": ["Hoàn thành sản phẩm theo yêu cầu.", "Biết vẽ, tô màu; cần sáng tạo hơn."],
        "C": ["Chưa hoàn thành sản phẩm; cần được hướng dẫn thêm."],
    },
    "hoat_dong_trai_nghiem": {
        "T": ["Tích cực, chủ động tham gia các hoạt động trải nghiệm.", "Hợp tác tốt với bạn, có nhiều ý tưởng hay."],
        "H": ["Tham gia đầy đủ các hoạt động trải nghiệm.", "Biết hợp tác với bạn; cần chủ động hơn."],
        "C": ["Chưa tích cực tham gia hoạt động; cần được động viên."],
    },
    "tieng_dan_toc": {
        "T": ["Đọc, viết tốt tiếng dân tộc; giao tiếp tự tin."],
        "H": ["Đọc, viết được tiếng dân tộc ở mức cơ bản."],
        "C": ["Đọc, viết tiếng dân tộc còn chậm; cần luyện thêm."],
    },
}

_TRAIT: dict[str, list[str]] = {
    "T": ["Thực hiện tốt.", "Tích cực, gương mẫu.", "Luôn chủ động, tự giác."],
    "Đ": ["Thực hiện được.", "Có cố gắng.", "Cần chủ động hơn."],
    "C": ["Cần cố gắng nhiều hơn.", "Cần được nhắc nhở, giúp đỡ thêm."],
}

_HOMEROOM: dict[str, list[str]] = {
    "HTXS": ["Em chăm ngoan, học giỏi, là tấm gương sáng cho các bạn noi theo.",
             "Em học tập xuất sắc, lễ phép, biết giúp đỡ bạn bè. Chúc mừng em!",
             "Em hoàn thành xuất sắc nội dung học tập và rèn luyện; các phẩm chất, năng lực đều tốt.",
             "Em tự giác, sáng tạo trong học tập, mạnh dạn trình bày ý kiến trước lớp.",
             "Em đọc, viết, tính toán thành thạo; tích cực tham gia các phong trào của trường, lớp.",
             "Em có ý thức tự học cao, biết chia sẻ cách học với các bạn; cô khen em."],
    "HTT": ["Em chăm chỉ, tiến bộ rõ rệt, hoàn thành tốt nhiệm vụ học tập.",
            "Em ngoan, học tốt, tích cực tham gia các hoạt động của lớp.",
            "Em hoàn thành tốt các môn học; lễ phép với thầy cô, hòa đồng với bạn bè.",
            "Em tự giác trong học tập, biết hợp tác với bạn khi làm việc nhóm.",
            "Em học tập tích cực, trình bày bài sạch đẹp; cần mạnh dạn phát biểu hơn.",
            "Em có nhiều cố gắng trong năm học; tiếp tục phát huy để đạt kết quả cao hơn."],
    "HT": ["Em ngoan, hoàn thành nhiệm vụ học tập; cần cố gắng hơn nữa ở năm học sau.",
           "Em có tiến bộ; cần tập trung hơn trong giờ học và chăm chỉ luyện tập ở nhà.",
           "Em hoàn thành các môn học; cần rèn thêm kĩ năng đọc, viết và tính toán.",
           "Em biết vâng lời thầy cô; cần tự giác hơn trong học tập và giữ gìn sách vở.",
           "Em đã có cố gắng; cần mạnh dạn, tự tin hơn khi giao tiếp và tham gia hoạt động.",
           "Em hòa đồng với bạn bè; cần cẩn thận hơn khi làm bài và trình bày bài."],
    "CHT": ["Em cần cố gắng nhiều hơn; gia đình và nhà trường sẽ phối hợp giúp đỡ em trong hè.",
            "Em còn gặp khó khăn trong học tập; cần được kèm cặp thêm để đánh giá bổ sung.",
            "Em chưa hoàn thành một số nội dung môn học; cần ôn tập thêm trong hè.",
            "Em cần rèn luyện thêm kĩ năng đọc, viết, tính toán; gia đình quan tâm nhắc nhở em học bài.",
            "Em có tiến bộ nhưng chưa đạt yêu cầu; cô sẽ hướng dẫn em ôn tập để đánh giá bổ sung."],
}


def subject_phrases(subject: str, rating: str) -> list[str]:
    """Comment phrases for a subject at a rating (T/H/C); generic ones for an unknown subject."""
    return list(_SUBJECT.get(subject, {}).get(rating) or _SUBJECT["hoat_dong_trai_nghiem"].get(rating, []))


def trait_phrases(kind: str, code: str, rating: str) -> list[str]:
    """Comment phrases for a quality or competence at a rating (T/Đ/C)."""
    return list(_TRAIT.get("Đ" if rating == "D" else rating, []))


def homeroom_phrases(outcome: str) -> list[str]:
    """Year-end comments of the homeroom teacher fitting an outcome (HTXS/HTT/HT/CHT)."""
    return list(_HOMEROOM.get(outcome, _HOMEROOM["HT"]))
