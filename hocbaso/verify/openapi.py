"""The OpenAPI 3.1 description of the public verification API."""

_ERROR = {"type": "object", "properties": {"error": {"type": "string"}, "message": {"type": "string"}}}
_CODE = {"name": "code", "in": "path", "required": True, "description": "Mã tra cứu, dạng XXXX-XXXX-XXX",
         "schema": {"type": "string", "example": "7KQ2-M9XD-4RP"}}
_TOO_MANY = {"description": "Quá nhiều yêu cầu (giới hạn theo IP và theo mã).",
             "content": {"application/json": {"schema": _ERROR}}}

OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "hocbaso — tra cứu và xác thực học bạ số", "version": "1",
             "description": "Kiểm tra tình trạng, nội dung và tính toàn vẹn của học bạ số đã phát hành."},
    "paths": {
        "/api/v1/records/{code}": {"get": {
            "summary": "Tình trạng học bạ theo mã tra cứu (tên học sinh được che một phần)",
            "parameters": [_CODE],
            "responses": {
                "200": {"description": "Tìm thấy", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {
                        "lookup_code": {"type": "string"},
                        "status": {"type": "string", "enum": ["current", "superseded", "withdrawn"]},
                        "message": {"type": "string"}, "record_id": {"type": "string"},
                        "version": {"type": "integer"}, "school_year": {"type": "string"},
                        "school_name": {"type": "string"},
                        "pupil_name_masked": {"type": "string"}, "effective_date": {"type": "string", "format": "date"},
                        "superseded_by_version": {"type": ["integer", "null"]},
                        "signers": {"type": "array", "items": {"type": "object"}}}}}}},
                "404": {"description": "Mã không hợp lệ hoặc không tồn tại"}, "429": _TOO_MANY}}},
        "/api/v1/records/{code}/full": {"post": {
            "summary": "Toàn văn học bạ, sau khi xác minh ngày sinh và 4 chữ số cuối mã định danh của học sinh",
            "parameters": [_CODE],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["birth_date"],
                "properties": {"birth_date": {"type": "string", "example": "2014-09-02"},
                               "identity_last4": {"type": "string", "example": "1234",
                                                  "description": "4 chữ số cuối mã định danh cá nhân (khi học sinh "
                                                                 "có mã định danh)"}}}}}},
            "responses": {"200": {"description": "Bản ghi hocbaso.record/1 kèm mã băm và người ký"},
                          "404": {"description": "Mã hoặc thông tin xác minh không đúng (không phân biệt)",
                                  "content": {"application/json": {"schema": _ERROR}}},
                          "429": _TOO_MANY}}},
        "/api/v1/records/{code}/xml": {"post": {
            "summary": "Học bạ dạng XML có chữ ký số XAdES (docs/record-xml.md), sau khi xác minh như /full",
            "parameters": [_CODE],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["birth_date"],
                "properties": {"birth_date": {"type": "string", "example": "2014-09-02"},
                               "identity_last4": {"type": "string", "example": "1234"}}}}}},
            "responses": {"200": {"description": "Tệp XML urn:hocbaso:record:xml:1 với ba chữ ký XAdES",
                                  "content": {"application/xml": {"schema": {"type": "string"}}}},
                          "404": {"description": "Mã hoặc thông tin xác minh không đúng, hoặc học bạ phát hành "
                                                 "trước khi có dạng XML",
                                  "content": {"application/json": {"schema": _ERROR}}},
                          "429": _TOO_MANY}}},
        "/api/v1/records/{code}/pdf": {"post": {
            "summary": "Tệp PDF học bạ có chữ ký số (bản gia hạn dấu thời gian lưu trữ gần nhất, nếu có), sau khi "
                       "xác minh như /full",
            "parameters": [_CODE],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["birth_date"],
                "properties": {"birth_date": {"type": "string", "example": "2014-09-02"},
                               "identity_last4": {"type": "string", "example": "1234"}}}}}},
            "responses": {"200": {"description": "Tệp PDF; tiêu đề X-Content-SHA256 là mã băm của tệp (khớp sổ đăng "
                                                 "ký: bản phát hành hoặc bản gia hạn của nó)",
                                  "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
                          "404": {"description": "Mã hoặc thông tin xác minh không đúng (không phân biệt)",
                                  "content": {"application/json": {"schema": _ERROR}}},
                          "429": _TOO_MANY}}},
        "/api/v1/files/check": {"post": {
            "summary": "Kiểm tra một tệp PDF học bạ hoặc tệp XML học bạ có chữ ký số",
            "requestBody": {"required": True, "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                "application/xml": {"schema": {"type": "string", "format": "binary"}},
                "multipart/form-data": {"schema": {"type": "object",
                                                   "properties": {"file": {"type": "string", "format": "binary"}}}}}},
            "responses": {"200": {"description": "Kết luận", "content": {"application/json": {"schema": {
                "type": "object", "properties": {
                    "verdict": {"type": "string", "enum": ["authentic_current", "authentic_superseded",
                                                           "authentic_withdrawn", "authentic_copy", "valid_not_issued", "altered",
                                                           "not_signed", "not_pdf", "not_record", "xml_not_signed"]},
                    "message": {"type": "string"}, "sha256": {"type": "string"},
                    "signatures": {"type": "array", "items": {"type": "object"}},
                    "xml_signatures": {"type": "array", "items": {"type": "object"}}}}}}},
                "413": {"description": "Tệp quá lớn"}, "429": _TOO_MANY}}},
    },
}
