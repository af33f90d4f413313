//! The help of each subcommand's own arguments, in Vietnamese and English (the shared ones,
//! `--as-of`, `--json`, `--out` …, are in `help_text::SHARED`). Keyed by subcommand path and
//! argument id, as `help_text::arg` looks them up.

use crate::cli::help_text::Text;

const fn tx(vi: &'static str, en: &'static str) -> Text {
    Text { vi, en }
}

/// (subcommand path, argument id, text).
pub const ARG: &[(&str, &str, Text)] = &[
    (
        "import",
        "file",
        tx(
            "Tệp JSON lines (schemas/event.schema.json, mỗi dòng một sự kiện), hoặc - cho stdin",
            "The JSON-lines file (schemas/event.schema.json, one event a line), or - for stdin",
        ),
    ),
    (
        "import",
        "json",
        tx(
            "In kết quả dạng JSON (số lượng, số thứ tự, đầu sổ mới) thay vì văn bản",
            "Print the outcome as JSON (counts, sequences, the new head) instead of text",
        ),
    ),
    (
        "import-plan",
        "file",
        tx(
            "Bảng kế hoạch vốn: .xlsx, .xls, .ods hoặc .csv",
            "The plan table: .xlsx, .xls, .ods or .csv",
        ),
    ),
    (
        "import-plan",
        "sheet",
        tx(
            "Trang tính cần đọc (bắt buộc khi tệp có nhiều trang)",
            "The sheet to read (required when the workbook has several)",
        ),
    ),
    (
        "import-plan",
        "json",
        tx(
            "In kết quả dạng JSON (số hàng, dòng mới, số thứ tự, đầu sổ mới) thay vì văn bản",
            "Print the outcome as JSON (rows, new lines, sequences, the new head) instead of text",
        ),
    ),
    (
        "balance",
        "plan_year",
        tx(
            "Chỉ các dòng của năm kế hoạch này (mặc định: mọi năm kế hoạch)",
            "Only the lines of this plan year (default: every plan year)",
        ),
    ),
    (
        "trail",
        "line",
        tx(
            "Mã dòng vốn, ví dụ 2025/DTTS/SN/DA1/NSTW",
            "The line's code, e.g. 2025/DTTS/SN/DA1/NSTW",
        ),
    ),
    (
        "trail",
        "as_of",
        tx(
            "Chỉ các sự kiện có hiệu lực đến hết ngày này (mặc định: tất cả)",
            "Only events effective on or before this date (default: all)",
        ),
    ),
    (
        "events",
        "document",
        tx(
            "Một phần số chứng từ (không phân biệt hoa thường), ví dụ UNC-2025-030",
            "Part of the document number (any case), e.g. UNC-2025-030",
        ),
    ),
    (
        "events",
        "payee",
        tx(
            "Một phần tên đơn vị nhận (không phân biệt hoa thường)",
            "Part of the payee's name (any case)",
        ),
    ),
    (
        "events",
        "line",
        tx(
            "Mã dòng vốn mà sự kiện nêu (bên nào của điều chỉnh cũng được), đúng nguyên văn",
            "A line code the event names (either side of a transfer), exactly",
        ),
    ),
    (
        "events",
        "from",
        tx(
            "Có hiệu lực từ ngày này (YYYY-MM-DD)",
            "Effective on or after this date (YYYY-MM-DD)",
        ),
    ),
    (
        "events",
        "to",
        tx(
            "Có hiệu lực đến hết ngày này (YYYY-MM-DD)",
            "Effective on or before this date (YYYY-MM-DD)",
        ),
    ),
    (
        "events",
        "kind",
        tx(
            "Loại sự kiện (tên cố định): open_line, allocate, reduce, transfer, carry_over, disburse, refund, reverse, lapse, set_deadline, advance, commit, open_work, contribute, register_document, record_indicator",
            "The event type: open_line, allocate, reduce, transfer, carry_over, disburse, refund, reverse, lapse, set_deadline, advance, commit, open_work, contribute, register_document, record_indicator",
        ),
    ),
    (
        "events",
        "after",
        tx(
            "Bắt đầu sau số thứ tự này (next_after của trang trước)",
            "Start after this sequence (the previous page's next_after)",
        ),
    ),
    (
        "events",
        "limit",
        tx(
            "Nhiều nhất bấy nhiêu sự kiện (1..=10000)",
            "At most this many events (1..=10000)",
        ),
    ),
    (
        "events",
        "json",
        tx(
            "Trang kết quả dạng JSON (như GET /v1/events)",
            "The page as JSON (the shape of GET /v1/events)",
        ),
    ),
    (
        "advances",
        "as_of",
        tx(
            "Ngày tính các khoản tạm ứng (YYYY-MM-DD): sự kiện có hiệu lực sau ngày này không được tính",
            "The date the advances stand at (YYYY-MM-DD): events effective after it are not counted",
        ),
    ),
    (
        "summary",
        "json",
        tx(
            "In JSON (mục II bằng đồng chính xác, kèm nguồn gốc số liệu) thay vì văn bản",
            "Print JSON (section II in exact đồng, with its provenance) instead of text",
        ),
    ),
    (
        "report",
        "format",
        tx(
            "Định dạng đầu ra (xlsx và docx cần --out hoặc stdout đã chuyển hướng). Mặc định: theo đuôi tệp --out (.txt .md .html .json .csv .xlsx .docx), nếu không thì text. docx là cả báo cáo",
            "The output format (xlsx and docx need --out or a redirected stdout). Default: what --out's extension names (.txt .md .html .json .csv .xlsx .docx), else text. docx is the whole report",
        ),
    ),
    (
        "report",
        "whole",
        tx(
            "Cả báo cáo theo bố cục mẫu (phần đầu văn bản, mục I–VI, phụ biểu, chữ ký) thay vì báo cáo số liệu: cho md và html (docx luôn là cả báo cáo)",
            "The whole report in the seed's layout (official head, sections I–VI, annexes, signatures) instead of the figures report: for md and html (docx always is)",
        ),
    ),
    (
        "report",
        "number",
        tx(
            "Số hiệu báo cáo ở đầu văn bản, ví dụ 12/BC-UBND; để trống để điền tay",
            "The report's number at its head (số hiệu), e.g. 12/BC-UBND; blank to fill by hand",
        ),
    ),
    (
        "report",
        "date",
        tx(
            "Ngày báo cáo ở đầu văn bản (YYYY-MM-DD); để trống để điền tay",
            "The report's date at its head (YYYY-MM-DD); blank to fill by hand",
        ),
    ),
    (
        "settlement",
        "plan_year",
        tx("Năm kế hoạch cần quyết toán", "The plan year to settle"),
    ),
    (
        "settlement",
        "as_of",
        tx(
            "Mặc định: mọi ngày hiệu lực",
            "Default: every effective date",
        ),
    ),
    (
        "settlement",
        "json",
        tx("Như `--format json`", "The same as `--format json`"),
    ),
    (
        "settlement",
        "format",
        tx(
            "text, json, csv hoặc xlsx. Mặc định: theo đuôi tệp --out, nếu không thì text",
            "text, json, csv or xlsx. Default: what --out's extension names, else text",
        ),
    ),
    (
        "settlement",
        "csv_dialect",
        tx(
            "CSV cho bảng tính vi-VN hoặc RFC 4180 thuần (mặc định: theo --lang, như với report)",
            "CSV for a vi-VN spreadsheet or plain RFC 4180 (default: by --lang, as for report)",
        ),
    ),
    (
        "reconcile",
        "claims",
        tx(
            "Tệp số liệu cần kiểm: các số đã in (schemas/claims.schema.json)",
            "The claims file: the printed figures to check (schemas/claims.schema.json)",
        ),
    ),
    (
        "reconcile",
        "json",
        tx(
            "Mỗi số liệu một đối tượng JSON, mỗi dòng một đối tượng",
            "One JSON object per claim, one per line",
        ),
    ),
    (
        "diff",
        "known_at",
        tx(
            "Thời điểm ghi sổ trước: một số thứ tự, một ngày (hết ngày đó, giờ Việt Nam) hoặc một thời điểm RFC 3339",
            "The earlier knowledge point: a sequence number, a date (the end of that day, Vietnam time) or an RFC 3339 moment",
        ),
    ),
    (
        "diff",
        "vs",
        tx(
            "Thời điểm ghi sổ để so sánh (các dạng như --known-at)",
            "The knowledge point to compare with (the same forms as --known-at)",
        ),
    ),
    (
        "diff",
        "plan_year",
        tx(
            "Chỉ các dòng của năm kế hoạch này (mặc định: mọi năm kế hoạch)",
            "Only the lines of this plan year (default: every plan year)",
        ),
    ),
    (
        "chart",
        "kind",
        tx(
            "Biểu đồ nào: s-curve (giải ngân lũy kế theo ngày so với kế hoạch, theo chương trình và tổng) hoặc rates (tỷ lệ giải ngân theo chương trình và tổng)",
            "Which chart",
        ),
    ),
    (
        "chart",
        "as_of",
        tx(
            "Mặc định: ngày 31 tháng 12 của năm kế hoạch",
            "Default: 31 December of the plan year",
        ),
    ),
    (
        "chart",
        "out",
        tx(
            "Tệp SVG cần ghi (không có PNG: sẽ cần tệp phông chữ)",
            "The SVG file to write (PNG is not offered: it would need font files)",
        ),
    ),
    (
        "completions",
        "shell",
        tx("Shell cần gợi ý lệnh", "The shell to complete for"),
    ),
    (
        "man",
        "subcommand",
        tx(
            "Lệnh con cần in trang hướng dẫn (mặc định: trang tổng quan socai(1))",
            "The subcommand whose page to print (default: the overview, socai(1))",
        ),
    ),
    (
        "man",
        "dir",
        tx(
            "Ghi mọi trang (socai.1, socai-balance.1, …) vào thư mục này",
            "Write every page (socai.1, socai-balance.1, …) into this folder instead",
        ),
    ),
    (
        "verify",
        "expect_head",
        tx(
            "Một đầu sổ đã ghi nhớ ngoài kho (`SEQ:HASH`, như import, verify và backup in ra): sổ phải chứa nó. Phát hiện một bản sao cũ bị tráo vào thay kho",
            "A head remembered outside the store (`SEQ:HASH`, as printed by import, verify and backup): the log must contain it. Catches an older copy swapped in for the store",
        ),
    ),
    (
        "verify",
        "json",
        tx(
            "In kết quả dạng JSON (đầu sổ, nhật ký, chỉ mục, đơn vị) thay vì văn bản",
            "Print the outcome as JSON (head, journal, index, unit) instead of text",
        ),
    ),
    (
        "backup",
        "dir",
        tx(
            "Thư mục để ghi bản sao (mới hoặc rỗng)",
            "The directory to write the copy into (new or empty)",
        ),
    ),
    (
        "backup",
        "json",
        tx(
            "In kết quả dạng JSON (thư mục và đầu sổ nó chứa) thay vì văn bản",
            "Print the outcome as JSON (the directory and the head it holds) instead of text",
        ),
    ),
    (
        "recover",
        "from",
        tx(
            "Kho bị hỏng (chỉ đọc, không bao giờ ghi)",
            "The damaged store (read, never written)",
        ),
    ),
    (
        "recover",
        "to",
        tx(
            "Nơi dựng kho sạch (mới hoặc rỗng)",
            "Where to build the clean store (new or empty)",
        ),
    ),
    (
        "recover",
        "export",
        tx(
            "Một bản `socai export` trước đó (hoặc tệp dạng nhập khác) để ghi lại phần sau đoạn đầu đã kiểm tra",
            "An earlier `socai export` (or other import-format file) to re-enter what follows the verified prefix",
        ),
    ),
    (
        "recover",
        "from_replica",
        tx(
            "Một bản sao (hoặc bản sao lưu đã kiểm tra) của kho hỏng: các bản ghi nó có sau đoạn đầu đã kiểm tra được chép nguyên văn, trước bản xuất",
            "A replica (or verified backup) of the damaged store: the records it holds beyond the verified prefix are copied verbatim, before the export",
        ),
    ),
    (
        "export",
        "format",
        tx(
            "Định dạng đầu ra: jsonl (nhập lại vào kho rỗng cho cùng số dư), hledger, beancount, csv (mỗi sự kiện và dòng một hàng), xlsx (sổ nhật ký tiếng Việt, cần --out), parquet (bảng events.parquet và lines.parquet, cần --out DIR). Mặc định: theo đuôi tệp --out (.jsonl .journal .beancount .csv .xlsx), nếu không thì jsonl",
            "The output format. Default: what --out's extension names (.jsonl .journal .beancount .csv .xlsx), else jsonl",
        ),
    ),
    (
        "export",
        "csv_dialect",
        tx(
            "CSV cho bảng tính vi-VN (BOM, `;`) hoặc RFC 4180 thuần (`,`) cho chương trình. Mặc định: excel-vi với --lang vi, plain với --lang en",
            "The CSV for a vi-VN spreadsheet (BOM, `;`) or plain RFC 4180 (`,`) for scripts. Default: excel-vi with --lang vi, plain with --lang en",
        ),
    ),
    (
        "export",
        "out",
        tx(
            "Ghi vào tệp này (thay thế nguyên khối) thay vì stdout; với parquet, thư mục cần tạo (chưa có hoặc rỗng) chứa events.parquet và lines.parquet",
            "Write to this file (replaced atomically) instead of stdout; for parquet, the folder to create (it must not exist, or be empty) with events.parquet and lines.parquet",
        ),
    ),
    (
        "replay",
        "dir",
        tx(
            "Thư mục mẫu (tệp fixture.json của nó liệt kê các lô và truy vấn)",
            "The fixture folder (its fixture.json lists the batches and the queries)",
        ),
    ),
    (
        "replay",
        "bless",
        tx(
            "Ghi kết quả các truy vấn làm kết quả mong đợi (sau một thay đổi có chủ ý; hãy đọc phần khác biệt). Bị từ chối, không ghi gì, trừ khi mọi lô chạy lại đúng như fixture.json",
            "Write the queries' outputs as the expected ones instead (after a deliberate change of output; read the diff). Refused, writing nothing, unless every batch replays as fixture.json says",
        ),
    ),
    (
        "gen",
        "events",
        tx("Số sự kiện cần sinh", "How many events to generate"),
    ),
    (
        "gen",
        "seed",
        tx(
            "Hạt giống ngẫu nhiên: cùng hạt giống cho cùng các tệp",
            "The random seed: the same seed gives the same files",
        ),
    ),
    (
        "gen",
        "out",
        tx(
            "Thư mục để ghi `events-NNNN.jsonl` và `journal.ledger` (tạo nếu chưa có)",
            "Directory to write `events-NNNN.jsonl` and `journal.ledger` into (created if missing)",
        ),
    ),
    (
        "serve",
        "listen",
        tx(
            "IP:PORT để lắng nghe (cổng 0: cổng trống bất kỳ); mặc định theo tệp cấu hình, nếu không thì 127.0.0.1:8080",
            "IP:PORT to listen on (port 0: any free port); default from the config, else 127.0.0.1:8080",
        ),
    ),
    (
        "serve",
        "config",
        tx(
            "Tệp TOML chứa thông tin xác thực và các giới hạn (cũng đọc từ SOCAI_CONFIG)",
            "TOML file with credentials and limits (also read from SOCAI_CONFIG)",
        ),
    ),
    (
        "serve",
        "units",
        tx(
            "Phục vụ mọi kho đơn vị trong DIR (mỗi đơn vị một thư mục) tại /v1/units/{unit}/… thay vì kho --db: máy chủ cấp tỉnh",
            "Serve every unit store under DIR (one directory per unit) at /v1/units/{unit}/… instead of the --db store: a province server",
        ),
    ),
    (
        "init",
        "unit",
        tx(
            "Mã đơn vị (chữ cái ASCII, chữ số, '.', '-', '_'), ví dụ mã đơn vị hành chính",
            "The unit's code (ASCII letters, digits, '.', '-', '_'), e.g. its administrative code",
        ),
    ),
    (
        "init",
        "name",
        tx(
            "Tên đầy đủ của đơn vị, ví dụ \"UBND xã Lùng Phình\"",
            "The unit's full name, e.g. \"UBND xã Lùng Phình\"",
        ),
    ),
    (
        "init",
        "parent",
        tx(
            "Mã đơn vị cấp trên (huyện, tỉnh)",
            "The code of the unit above it (a district, a province)",
        ),
    ),
    (
        "replicate",
        "from",
        tx(
            "Địa chỉ gốc của máy chủ (http://HOST:PORT)",
            "The server's base URL (http://HOST:PORT)",
        ),
    ),
    (
        "replicate",
        "token",
        tx(
            "Mã truy cập có quyền đọc (cũng đọc từ SOCAI_TOKEN)",
            "A bearer token with read access (also read from SOCAI_TOKEN)",
        ),
    ),
    (
        "replicate",
        "to",
        tx(
            "Thư mục bản sao (tạo nếu chưa có; chạy tiếp nếu đã có bản chép trước)",
            "The replica's directory (created when missing; resumed when it holds an earlier copy)",
        ),
    ),
    (
        "replicate",
        "follow",
        tx(
            "Tiếp tục theo các sự kiện mới của nguồn đến khi bị ngắt",
            "Keep following the source's new events until interrupted",
        ),
    ),
    (
        "consolidate",
        "units",
        tx(
            "Thư mục chứa mỗi đơn vị một kho (mỗi kho đã được gán đơn vị bằng `socai init`)",
            "The folder holding one store per unit (each given its unit with `socai init`)",
        ),
    ),
    (
        "consolidate",
        "format",
        tx(
            "text, json, md, csv hoặc xlsx (xlsx cần --out hoặc stdout đã chuyển hướng). Mặc định: theo đuôi tệp --out, nếu không thì text",
            "text, json, md, csv or xlsx (xlsx needs --out or a redirected stdout). Default: what --out's extension names, else text",
        ),
    ),
    (
        "consolidate",
        "view",
        tx(
            "Cộng gì: section-ii (kế hoạch và giải ngân) hoặc settlement (quyết toán: năm trước chuyển sang … chưa sử dụng, như `socai settlement`)",
            "What is summed: section-ii (plan and disbursement) or settlement (quyết toán: brought forward … unspent, as `socai settlement` has)",
        ),
    ),
    (
        "consolidate",
        "csv_dialect",
        tx(
            "CSV cho bảng tính vi-VN (BOM, `;`, dấu phẩy thập phân; mặc định) hoặc RFC 4180 thuần",
            "CSV for a vi-VN spreadsheet (BOM, `;`, decimal comma; the default) or plain RFC 4180",
        ),
    ),
    (
        "consolidate",
        "pin",
        tx(
            "Thời điểm ghi sổ của một đơn vị, `CODE=SEQ` (lặp lại được; mặc định: đầu sổ của từng đơn vị)",
            "A unit's knowledge point, `CODE=SEQ` (repeatable; default: each unit's head)",
        ),
    ),
    (
        "token new",
        "name",
        tx(
            "Mã dành cho ai (chữ cái, chữ số, '.', '-', '_'); được ghi làm người ghi của những gì họ thêm vào",
            "Who the credential is for (letters, digits, '.', '-', '_'); recorded as the actor of what they append",
        ),
    ),
    (
        "token new",
        "role",
        tx(
            "recorder (ghi và đọc), auditor (đọc) hoặc admin (mọi việc)",
            "recorder (append and read), auditor (read) or admin (everything)",
        ),
    ),
];
