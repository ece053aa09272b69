"""Excel in and out: the layouts schools use, reading sheets, importing pupil lists and evaluations (with a
preview), and writing the same layouts back (exports, Bảng tổng hợp, blank templates). See docs/excel-layouts.md."""
