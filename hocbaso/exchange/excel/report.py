"""What an import tells its user: counts, and every problem with its sheet, row and column."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file, in Vietnamese. ``row`` is the sheet's row number (1-based),
    ``column`` the column letter; either is None when the problem concerns a whole sheet or column."""

    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    header: str | None = None
    code: str = "invalid"

    def where(self) -> str:
        parts = []
        if self.sheet is not None:
            parts.append(f"Trang tính «{self.sheet}»")
        if self.row is not None:
            parts.append(f"dòng {self.row}")
        if self.column is not None:
            parts.append(f"cột {self.column}" + (f" ({self.header})" if self.header else ""))
        elif self.header:
            parts.append(f"cột «{self.header}»")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "header": self.header,
                "message": self.message, "code": self.code, "text": str(self)}


@dataclass
class ImportReport:
    """The outcome of an import or of its preview (``dry_run``).

    ``created``/``updated``/``unchanged`` count rows of the main kind (pupils for a pupil list,
    evaluation cells for evaluations); ``details`` breaks them down per kind. When ``problems``
    is not empty nothing was written (``applied`` is False).
    """

    kind: str
    dry_run: bool = False
    applied: bool = False
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: int = 0
    details: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, kind: str, what: str, n: int = 1) -> None:
        bucket = self.details.setdefault(kind, {"created": 0, "updated": 0, "unchanged": 0})
        bucket[what] += n

    def summary(self) -> str:
        """One Vietnamese sentence for the CLI and the web app's preview."""
        noun = {"pupils": "học sinh", "evaluations": "ô đánh giá"}.get(self.kind, "dòng")
        if self.problems:
            return f"Tệp có {len(self.problems)} lỗi; chưa ghi gì vào cơ sở dữ liệu."
        verb = "Sẽ" if self.dry_run else "Đã"
        return (f"{verb} thêm {self.created}, cập nhật {self.updated} {noun}; {self.unchanged} không đổi"
                + (" (xem trước, chưa ghi)." if self.dry_run else "."))

    def as_dict(self) -> dict:
        return {"kind": self.kind, "dry_run": self.dry_run, "applied": self.applied, "created": self.created,
                "updated": self.updated, "unchanged": self.unchanged, "rows": self.rows, "details": self.details,
                "problems": [p.as_dict() for p in self.problems], "notes": self.notes, "summary": self.summary()}
