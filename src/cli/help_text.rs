//! The catalogue of the command line's help: what each subcommand does and what each argument
//! means, in Vietnamese and English. One place for both languages: `localize` applies it to
//! the built definition, and a test checks that every argument and subcommand has an entry
//! (a new flag without its Vietnamese help fails it).

use crate::present::vi_format::Lang;

/// One text in both languages.
#[derive(Clone, Copy, Debug)]
pub struct Text {
    pub vi: &'static str,
    pub en: &'static str,
}

impl Text {
    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Vi => self.vi,
            Lang::En => self.en,
        }
    }
}

const fn tx(vi: &'static str, en: &'static str) -> Text {
    Text { vi, en }
}

/// What a subcommand does, by its path below `socai` ("" is `socai` itself).
const ABOUT: &[(&str, Text)] = &[
    (
        "",
        tx(
            "Sổ cái: sổ ghi theo sự kiện các khoản giao vốn và giải ngân ngân sách nhà nước",
            "Sổ cái: an event-sourced ledger of public budget allocations and disbursements",
        ),
    ),
    (
        "import",
        tx(
            "Ghi các sự kiện của một tệp JSON lines (hoặc - cho stdin): ghi tất cả hoặc không ghi gì",
            "Append the events of a JSON-lines file (or - for stdin), all or nothing",
        ),
    ),
    (
        "import-plan",
        tx(
            "Nhập bảng kế hoạch vốn (xlsx, xls, ods hoặc CSV): mở các dòng còn thiếu và ghi mỗi hàng một lần giao vốn dẫn quyết định của nó, tất cả hoặc không gì. Bố cục bảng: xem README",
            "Import a plan table (xlsx, xls, ods or CSV): opens missing lines and records one allocation per row citing its decision, all or nothing. See README for the layout",
        ),
    ),
    (
        "balance",
        tx(
            "Số dư từng dòng vốn và tổng cộng đến một ngày",
            "Balances per line and totals as of a date",
        ),
    ),
    (
        "trail",
        tx(
            "Sổ chi tiết một dòng vốn: mọi sự kiện đã chạm vào dòng, với lũy kế, chứng từ và dấu hủy bút toán",
            "Every event that touched a line, with running totals, documents and reversal marks",
        ),
    ),
    (
        "events",
        tx(
            "Tìm sự kiện theo số chứng từ, đơn vị nhận, dòng vốn, ngày hiệu lực hoặc loại (một trang)",
            "Find events by document number, payee, line, effective dates or type (one page)",
        ),
    ),
    (
        "advances",
        tx(
            "Các khoản tạm ứng chưa thu hồi đến một ngày: dòng, hợp đồng, đơn vị nhận, số còn lại, số ngày; đánh dấu khi thanh toán theo hợp đồng đạt 80% giá trị",
            "The advances to recover (tạm ứng chưa thu hồi) at a date: line, contract, payee, outstanding, age in days, flagged once payments under the contract reach 80% of it",
        ),
    ),
    (
        "summary",
        tx(
            "Số liệu mục II (kế hoạch và giải ngân theo loại vốn, nguồn gốc vốn và chương trình)",
            "Section II figures (plan and disbursement by capital type, origin and program)",
        ),
    ),
    (
        "report",
        tx(
            "Báo cáo tại một thời điểm: mục II, phụ biểu 01 và 02 và nguồn gốc số liệu; hoặc cả báo cáo (mục I–VI, phụ biểu, chữ ký) dạng Word (docx) hoặc, với --whole, md hay html",
            "The point-in-time report: section II, annexes 01 and 02, and its provenance; or the whole report (sections I–VI, annexes, signatures) as a Word document (docx) or, with --whole, as md or html",
        ),
    ),
    (
        "settlement",
        tx(
            "Quyết toán một năm kế hoạch: năm trước chuyển sang, giao, thu hồi, điều chỉnh, kế hoạch, giải ngân, chuyển sang năm sau, hủy dự toán, chưa sử dụng, thu hồi sau khóa sổ",
            "The settlement of a plan year (quyết toán): brought forward, assigned, withdrawn, transferred, plan, disbursed, carried out, lapsed, unspent, recovered after the close",
        ),
    ),
    (
        "reconcile",
        tx(
            "Đối chiếu số liệu đã in (tệp số liệu cần kiểm) với sổ, theo độ chính xác đã in",
            "Compare printed figures (a claims file) with the ledger, at the precision printed",
        ),
    ),
    (
        "diff",
        tx(
            "Số liệu đến một ngày đã thay đổi gì giữa hai thời điểm ghi sổ, và vì sao",
            "What changed in the figures as of a date between two knowledge points, and why",
        ),
    ),
    (
        "chart",
        tx(
            "Vẽ biểu đồ SVG: đường cong chữ S của giải ngân lũy kế so với kế hoạch theo chương trình và tổng, hoặc tỷ lệ giải ngân theo chương trình",
            "Draw a chart as SVG: the S-curve of cumulative disbursement against plan per program and in total, or the disbursement rate by program",
        ),
    ),
    (
        "completions",
        tx(
            "In đoạn mã gợi ý lệnh cho shell: `source <(socai completions bash)`",
            "Print a shell completion script: `source <(socai completions bash)`",
        ),
    ),
    (
        "man",
        tx(
            "In trang hướng dẫn (roff): `socai man > socai.1; man -l socai.1`; trang của một lệnh con với `socai man balance`; mọi trang vào một thư mục với `--dir`",
            "Print the manual page (roff): `socai man > socai.1; man -l socai.1`; one subcommand's page with `socai man balance`; every page into a folder with `--dir`",
        ),
    ),
    (
        "verify",
        tx(
            "Kiểm tra chuỗi băm và bản ghi HEAD; nêu số thứ tự hỏng đầu tiên",
            "Check the hash chain and HEAD record; names the first bad sequence",
        ),
    ),
    (
        "backup",
        tx(
            "Ghi một bản sao đã kiểm tra của kho vào DIR (mới hoặc rỗng); khôi phục bằng cách dùng DIR làm --db",
            "Write a verified copy of the store into DIR (new or empty); restore by using DIR as --db",
        ),
    ),
    (
        "recover",
        tx(
            "Dựng lại kho sạch ở TO từ đoạn đầu dài nhất đã kiểm tra của kho hỏng FROM (không bị đụng tới), cùng một bản xuất (JSON lines dạng nhập) cho phần sau",
            "Rebuild a clean store in TO from the longest verified prefix of the damaged store FROM (left untouched), plus an export (import-format JSON lines) for what follows",
        ),
    ),
    (
        "export",
        tx(
            "Xuất sổ: JSON lines dạng nhập (mặc định), sổ hledger hoặc beancount, CSV, sổ nhật ký xlsx (mỗi sự kiện một hàng; cần --out) hoặc bảng Parquet (cần --out DIR)",
            "The log as import-format JSON lines (default), an hledger or beancount journal, CSV, an xlsx journal (one row per event; needs --out), or Parquet tables (needs --out DIR)",
        ),
    ),
    (
        "replay",
        tx(
            "Chạy lại các lô của một thư mục mẫu trong kho nháp và so các truy vấn đã đặt tên",
            "Re-run a fixture folder's batches in a scratch store and compare its named queries",
        ),
    ),
    (
        "demo",
        tx(
            "Nạp dữ liệu Lùng Phình 2025 đi kèm vào kho và in số liệu",
            "Load the shipped Lùng Phình 2025 data into the store and print its figures",
        ),
    ),
    (
        "gen",
        tx(
            "Sinh khối lượng thử tất định: các tệp nhập và một sổ ledger-cli",
            "Write a deterministic synthetic workload: import files and a ledger-cli journal",
        ),
    ),
    (
        "serve",
        tx(
            "Chạy API HTTP/JSON (xem README, schemas/openapi.json) đến khi nhận SIGTERM hoặc SIGINT. In `listening on http://ADDR` ra stdout khi đã nhận kết nối",
            "Serve the HTTP/JSON API (see README, schemas/openapi.json) until SIGTERM or SIGINT. Prints `listening on http://ADDR` on stdout once it accepts connections",
        ),
    ),
    (
        "init",
        tx(
            "Gán cho kho (tạo nếu chưa có) đơn vị dự toán của nó, một lần: ghi vào chuỗi băm",
            "Give the store (created when missing) its budget unit, once: bound into the hash chain",
        ),
    ),
    (
        "replicate",
        tx(
            "Chép sổ của một máy chủ đang chạy vào bản sao tại chỗ (--to), từng bản ghi, kiểm mọi mã băm; chạy tiếp từ chỗ dừng; mã thoát 3 nếu lịch sử của nguồn khác",
            "Copy a running server's log into a local replica (--to), record by record, checking every chain hash; resumes where it stopped; exit 3 if the source's history differs",
        ),
    ),
    (
        "consolidate",
        tx(
            "Mục II (hoặc quyết toán) cộng trên các kho đơn vị trong một thư mục: mỗi đơn vị một hàng và tổng",
            "Section II (or the settlement) summed over the unit stores under a folder: one row per unit and the total",
        ),
    ),
    (
        "token",
        tx(
            "Tạo mã truy cập (bearer token) cho tệp cấu hình của máy chủ",
            "Make bearer tokens for the server's config file",
        ),
    ),
    (
        "token hash",
        tx(
            "In SHA-256 (token_sha256) của một mã đọc từ stdin (một dòng)",
            "Print the SHA-256 (token_sha256) of a token read from stdin (one line)",
        ),
    ),
    (
        "token new",
        tx(
            "Tạo một mã ngẫu nhiên: mã ra stderr, mục [[credential]] (mã băm của nó) ra stdout",
            "Make a random token: the token on stderr, the [[credential]] entry (its hash) on stdout",
        ),
    ),
    // clap's own `help` subcommand (under `socai` and under `socai token`).
    (
        "help",
        tx(
            "In trợ giúp này hoặc trợ giúp của (các) lệnh con đã cho",
            "Print this message or the help of the given subcommand(s)",
        ),
    ),
];

/// The texts of the arguments many subcommands share, by argument id; a subcommand's own
/// entry in `ARG` comes first.
const SHARED: &[(&str, Text)] = &[
    ("db", tx("Thư mục kho dữ liệu", "The store directory")),
    (
        "server",
        tx(
            "Hỏi một `socai serve` đang chạy (http://HOST:PORT) thay vì đọc kho: balance, trail, summary, report, settlement, diff và advances",
            "Ask a running `socai serve` (http://HOST:PORT) instead of reading the store: balance, trail, summary, report, settlement, diff and advances",
        ),
    ),
    (
        "token",
        tx(
            "Mã truy cập (bearer token) của máy chủ cho --server (cũng đọc từ SOCAI_TOKEN)",
            "A bearer token of the server for --server (also read from SOCAI_TOKEN)",
        ),
    ),
    (
        "lang",
        tx(
            "Ngôn ngữ của mọi thứ in cho người đọc (nhãn, thông báo, cách viết số); khóa JSON, mã lỗi và mã thoát không đổi theo nó",
            "The language of everything printed for people (labels, messages, number format); JSON keys, error codes and exit codes do not change with it",
        ),
    ),
    ("help", tx("In trợ giúp", "Print help")),
    ("version", tx("In phiên bản", "Print version")),
    (
        "subcommand",
        tx(
            "In trợ giúp của (các) lệnh con này",
            "Print help for the subcommand(s)",
        ),
    ),
    (
        "as_of",
        tx(
            "Ngày số liệu được tính đến (YYYY-MM-DD): sự kiện có hiệu lực sau ngày này không được tính",
            "The date the figures stand at (YYYY-MM-DD): events effective after it are not counted",
        ),
    ),
    (
        "known_at",
        tx(
            "Những gì sổ đã biết: một số thứ tự, một ngày (hết ngày đó, giờ Việt Nam, UTC+7) hoặc một thời điểm RFC 3339 (mặc định: mọi thứ đã ghi)",
            "What the ledger knew: a sequence number, a date (the end of that day, Vietnam time, UTC+7) or an RFC 3339 moment (default: everything recorded)",
        ),
    ),
    (
        "plan_year",
        tx(
            "Năm kế hoạch có các dòng vốn được báo cáo",
            "The plan year (năm kế hoạch) whose lines are reported",
        ),
    ),
    (
        "json",
        tx("In JSON thay vì văn bản", "Print JSON instead of text"),
    ),
    (
        "out",
        tx(
            "Ghi vào tệp này (thay thế nguyên khối) thay vì stdout",
            "Write to this file (replaced atomically) instead of stdout",
        ),
    ),
    (
        "unit",
        tx(
            "Đơn vị hiển thị số tiền (JSON luôn mang số đồng chính xác)",
            "The unit amounts are shown in (JSON always carries exact đồng)",
        ),
    ),
    (
        "csv_dialect",
        tx(
            "CSV cho bảng tính vi-VN (BOM, `;`, dấu phẩy thập phân) hoặc RFC 4180 thuần (`,`, `.`). Mặc định: excel-vi với --lang vi, plain với --lang en",
            "CSV for a vi-VN spreadsheet (BOM, `;`, decimal comma) or plain RFC 4180 (`,`, `.`). Default: excel-vi with --lang vi, plain with --lang en",
        ),
    ),
];

/// The texts of one subcommand's own arguments: (subcommand path, argument id, text).
pub use crate::cli::help_args::ARG;

/// What the subcommand at `path` does ("" is `socai`; `help` inside a path is clap's help
/// subcommand, whose copies of the tree say what the commands they stand for say).
pub fn about(path: &str) -> Option<Text> {
    let segments: Vec<&str> = path.split_whitespace().collect();
    let key = match segments.last() {
        Some(&"help") => "help".to_string(),
        _ => segments
            .iter()
            .filter(|s| **s != "help")
            .copied()
            .collect::<Vec<_>>()
            .join(" "),
    };
    ABOUT.iter().find(|(p, _)| *p == key).map(|(_, t)| *t)
}

/// What argument `id` of the subcommand at `path` means: its own entry, else the shared one.
pub fn arg(path: &str, id: &str) -> Option<Text> {
    let own = path
        .split_whitespace()
        .filter(|s| *s != "help")
        .collect::<Vec<_>>()
        .join(" ");
    ARG.iter()
        .find(|(p, i, _)| *p == own && *i == id)
        .map(|(_, _, t)| *t)
        .or_else(|| SHARED.iter().find(|(i, _)| *i == id).map(|(_, t)| *t))
}

/// What each value of an argument with named choices means, by (subcommand path, argument
/// id, value): zsh and fish show it beside the value they complete.
pub const VALUES: &[(&str, &str, &str, Text)] = &[
    (
        "export",
        "format",
        "jsonl",
        tx(
            "JSON lines dạng nhập: nhập vào một kho rỗng cho cùng số dư",
            "Import-format JSON lines: importing them into an empty store gives the same balances",
        ),
    ),
    (
        "export",
        "format",
        "hledger",
        tx(
            "Sổ hledger: mỗi dòng vốn có Assets:Available, Expenses:Disbursed, Income:Plan",
            "An hledger journal: per line, Assets:Available, Expenses:Disbursed, Income:Plan",
        ),
    ),
    (
        "export",
        "format",
        "beancount",
        tx(
            "Sổ beancount với cùng các tài khoản",
            "A beancount ledger with the same accounts",
        ),
    ),
    (
        "export",
        "format",
        "csv",
        tx(
            "Mỗi sự kiện và dòng vốn một hàng, cho bảng tính",
            "One row per event and line, for spreadsheets",
        ),
    ),
    (
        "export",
        "format",
        "xlsx",
        tx(
            "Sổ nhật ký xlsx tiếng Việt, mỗi sự kiện một hàng (cần --out TỆP)",
            "An xlsx journal, one row per event, in Vietnamese (with --out FILE)",
        ),
    ),
    (
        "export",
        "format",
        "parquet",
        tx(
            "Bảng Parquet events.parquet và lines.parquet cho DuckDB, Spark hoặc Trino (cần --out THƯ_MỤC mới hoặc rỗng)",
            "Parquet tables events.parquet and lines.parquet for DuckDB, Spark or Trino (with --out DIR, new or empty)",
        ),
    ),
    (
        "chart",
        "kind",
        "s-curve",
        tx(
            "Giải ngân lũy kế so với kế hoạch, từng ngày, theo chương trình và tổng",
            "Cumulative disbursement as a share of plan, day by day, per program and in total",
        ),
    ),
    (
        "chart",
        "kind",
        "rates",
        tx(
            "Tỷ lệ giải ngân theo chương trình và tổng",
            "Disbursement rate by program and in total",
        ),
    ),
];

/// What `value` of argument `id` of the subcommand at `path` means.
pub fn value(path: &str, id: &str, value: &str) -> Option<Text> {
    VALUES
        .iter()
        .find(|(p, i, v, _)| *p == path && *i == id && *v == value)
        .map(|(_, _, _, t)| *t)
}

/// Words clap prints around the help texts, in Vietnamese (English is clap's own).
pub mod words {
    pub const USAGE: &str = "Cách dùng:";
    pub const ARGUMENTS: &str = "Đối số";
    pub const OPTIONS: &str = "Tùy chọn";
    pub const COMMANDS: &str = "Lệnh";
    pub const COMMAND_PLACEHOLDER: &str = "LỆNH";
    pub const OPTIONS_PLACEHOLDER: &str = "[TÙY CHỌN]";
    pub const DEFAULT: &str = "mặc định";
    pub const VALUES: &str = "giá trị";
    pub const ENV: &str = "biến môi trường";
}
