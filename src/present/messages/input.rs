//! The catalogue's Vietnamese for the refusals of input checks: a field of an event or a
//! plan table column (what was found, what it takes), a limit, an unknown type, the file or
//! sheet as a whole, and the date and program checks of the budget rules. The English of these
//! refusals is the rule's own message, kept as it always was (`messages::rejection`).

use crate::core::money::{MAX_YEAR, MIN_YEAR};
use crate::core::rejection::{Code, Counted, Detail, Expected, FieldFault, InputFault};
use crate::io::plan_import::{COLUMNS, column_letter};
use crate::present::event_text::TYPE_NAMES_VI;
use crate::present::messages::{Msg, date, event_type};
use crate::present::vi_format::Lang;

/// Whether the facts are worded here (Vietnamese) while English keeps the rule's message.
pub(super) fn worded_here(detail: &Detail) -> bool {
    matches!(
        detail,
        Detail::Field { .. }
            | Detail::Limit { .. }
            | Detail::Type { .. }
            | Detail::Input(_)
            | Detail::Dated { .. }
            | Detail::Between { .. }
            | Detail::Replica { .. }
    )
}

/// The facts of an input refusal in Vietnamese (empty for the facts `messages` words).
pub(super) fn vi(code: Code, detail: &Detail) -> String {
    match detail {
        Detail::Field { key, found, fault } => field(key, found.as_deref(), fault),
        Detail::Limit { what, max, found } => limit(*what, *max, *found),
        Detail::Type {
            found,
            rules_version: None,
        } => {
            let names: Vec<&str> = TYPE_NAMES_VI.iter().map(|(en, _)| *en).collect();
            format!(
                "loại {found:?} không có trong định dạng nhập; các loại là: {}",
                names.join(", ")
            )
        }
        Detail::Type {
            found,
            rules_version: Some(v),
        } => format!(
            "sự kiện {} ({found}) không có trong quy tắc phiên bản {v}",
            event_type(Lang::Vi, found)
        ),
        Detail::Input(fault) => input(fault),
        Detail::Dated {
            line,
            date: d,
            bound,
        } => {
            let (d, bound) = (date(Lang::Vi, *d), date(Lang::Vi, *bound));
            match code {
                Code::TooEarly => format!(
                    "dòng {line:?}: sự kiện ngày {d}, chỉ được ghi từ ngày {bound} (sau khi hết năm)"
                ),
                Code::BeforePlanYear => {
                    format!("dòng {line:?}: ngày {d}, trước ngày {bound} năm kế hoạch bắt đầu")
                }
                _ => format!("dòng {line:?}: ngày {d} so với thời hạn {bound}"),
            }
        }
        Detail::Between {
            from,
            from_holds,
            to,
            to_holds,
        } => {
            let holds = |h: &str| match h {
                "in_year" => Msg::InYear.text(Lang::Vi).to_string(),
                "carried_over" => Msg::CarriedOver.text(Lang::Vi).to_string(),
                "extended" => Msg::Extended.text(Lang::Vi).to_string(),
                other => other.to_string(),
            };
            format!(
                "từ dòng {from:?} ({}) sang dòng {to:?} ({}); vốn giữ nguyên chương trình, nguồn và nguồn gốc của nó",
                holds(from_holds),
                holds(to_holds)
            )
        }
        Detail::Replica { source } => format!(
            "kho này là bản sao của {source}: chỉ nhận sự kiện từ nguồn đó (hãy ghi vào nguồn)"
        ),
        _ => String::new(),
    }
}

fn field(key: &str, found: Option<&str>, fault: &FieldFault) -> String {
    let value = found.map_or(String::new(), |f| format!(" có giá trị {f:?}"));
    match fault {
        FieldFault::Missing => format!("trường {key:?}"),
        FieldFault::Empty => format!("trường {key:?} để trống"),
        FieldFault::NotPartOf { within } if within == "document" => {
            format!("trường {key:?} không thuộc chứng từ (chứng từ chỉ có number, date, issuer)")
        }
        FieldFault::NotPartOf { within } => format!(
            "trường {key:?} không thuộc sự kiện {} ({within})",
            event_type(Lang::Vi, within)
        ),
        FieldFault::Expected(what) => format!("trường {key:?}{value}, {}", expected(*what)),
        FieldFault::ControlCharacter { code_point, at } => format!(
            "trường {key:?} có ký tự điều khiển U+{code_point:04X} ở ký tự thứ {at}; trường văn bản chỉ nhận ký tự in được"
        ),
        FieldFault::TooLong { max, found } => {
            format!("trường {key:?} dài {found} ký tự, tối đa {max} ký tự")
        }
        FieldFault::Redeclared {
            line,
            where_row,
            old,
            new,
        } => {
            let by = where_row.map_or("trong sổ".to_string(), |r| format!("ở hàng {r}"));
            format!(
                "dòng vốn {line:?} đã được khai báo {by} với {key} {old}; hàng này ghi {key} {new}"
            )
        }
        FieldFault::AlreadyAllocated { line, row: Some(r) } => format!(
            "hàng {r} đã giao vốn cho dòng {line:?} theo quyết định {}; mỗi dòng và quyết định chỉ một hàng (hãy cộng lại)",
            found.unwrap_or_default()
        ),
        FieldFault::AlreadyAllocated { line, row: None } => format!(
            "sổ đã có một lần giao vốn khác cho dòng {line:?} theo quyết định {}; sổ không ghi đè: nếu bảng sửa số đó, hãy hủy sự kiện cũ rồi nhập lại",
            found.unwrap_or_default()
        ),
    }
}

/// What a field takes, as a phrase after its value.
fn expected(what: Expected) -> String {
    match what {
        Expected::Text => "cần một chuỗi văn bản".into(),
        Expected::Uuid => "cần một mã UUID có gạch nối (8-4-4-4-12 chữ số hệ 16)".into(),
        Expected::Date => format!(
            "cần một ngày có thật dạng YYYY-MM-DD (bảng kế hoạch: DD/MM/YYYY hoặc ô ngày), năm {MIN_YEAR}–{MAX_YEAR}"
        ),
        Expected::Year => format!("cần một năm bốn chữ số từ {MIN_YEAR} đến {MAX_YEAR}"),
        Expected::WholeDong => {
            "cần số tiền là số nguyên đồng, lớn hơn 0 và không quá 10^16 (ví dụ \"1500000\")".into()
        }
        Expected::Bool => "cần true hoặc false".into(),
        Expected::Code { max } => {
            format!("cần một mã dài 1–{max} ký tự gồm A–Z a–z 0–9 . _ : / -")
        }
        Expected::Document => {
            "cần một chứng từ {number, date, issuer?} (số, ngày, cơ quan ban hành)".into()
        }
        Expected::OneOf(words) => {
            let words: Vec<String> = words.iter().map(|w| format!("{w:?}")).collect();
            format!("cần một trong: {}", words.join(", "))
        }
        Expected::Form { max } => {
            format!("cần hình thức văn bản dài 1–{max} ký tự (QĐ, KH, NQ, CV, TB …)")
        }
        Expected::Decimal { chars, decimals } => format!(
            "cần một số thập phân viết dạng chuỗi, tối đa {chars} ký tự và {decimals} chữ số sau dấu chấm (ví dụ \"25.46\")"
        ),
    }
}

fn limit(what: Counted, max: u64, found: Option<u64>) -> String {
    let has = |unit: &str| found.map_or(String::new(), |n| format!(", ở đây có {n} {unit}"));
    let last = column_letter(usize::try_from(max.saturating_sub(1)).unwrap_or(0));
    match what {
        Counted::LineBytes => format!("dòng nhập dài quá {max} byte{}", has("byte")),
        Counted::BatchEvents => format!(
            "một lô chỉ được có tối đa {max} sự kiện{}; hãy chia nhỏ",
            has("sự kiện")
        ),
        Counted::TableRows => format!("bảng kế hoạch chỉ được có tối đa {max} hàng; hãy chia nhỏ"),
        Counted::SheetCells => {
            format!("trang tính có hơn {max} ô; một bảng kế hoạch nhỏ hơn nhiều")
        }
        Counted::SheetColumns => {
            format!("có giá trị bên phải cột {last}; bảng kế hoạch chỉ dùng các cột A đến {last}")
        }
        Counted::SheetRows => format!("có giá trị dưới hàng {max}; hãy chia nhỏ bảng"),
        Counted::WorkbookElements => {
            format!("nội dung sổ tính có hơn {max} phần tử XML; một bảng kế hoạch nhỏ hơn nhiều")
        }
    }
}

fn input(fault: &InputFault) -> String {
    let quoted = |names: &[String]| {
        let names: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
        names.join(", ")
    };
    match fault {
        InputFault::NotJson { line: 1, column } => {
            format!("không phải JSON hợp lệ (lỗi ở ký tự thứ {column})")
        }
        InputFault::NotJson { line, column } => {
            format!("không phải JSON hợp lệ (lỗi ở dòng {line}, cột {column})")
        }
        InputFault::NotObject => "mỗi sự kiện phải là một đối tượng JSON {…}".into(),
        InputFault::NotUtf8 => "dòng nhập không phải văn bản UTF-8".into(),
        InputFault::NotUtf8OrWindows1258 => {
            "tệp không phải UTF-8 cũng không phải Windows-1258; hãy lưu thành CSV UTF-8".into()
        }
        InputFault::NotCsv { line } => match line {
            Some(l) => format!("không phải CSV hợp lệ (ở dòng {l} của tệp)"),
            None => "không phải CSV hợp lệ".into(),
        },
        InputFault::NoHeaderLine => "dòng đầu không phải hàng tiêu đề gồm tên các cột, phân cách bởi ',', ';' hoặc tab (xem bố cục bảng kế hoạch)".into(),
        InputFault::NotWorkbook => "không phải sổ tính đọc được (xlsx, xls, ods)".into(),
        InputFault::Unreadable => "không đọc được nội dung".into(),
        InputFault::NoSuchSheet { sheet, sheets } => format!(
            "sổ tính không có trang tính {sheet:?}; các trang tính: {}",
            quoted(sheets)
        ),
        InputFault::NoSheet => "sổ tính không có trang tính nào".into(),
        InputFault::SeveralSheets { sheets } => format!(
            "sổ tính có nhiều trang tính ({}); chọn một bằng --sheet",
            quoted(sheets)
        ),
        InputFault::NoHeader => "trang tính trống: không có hàng tiêu đề".into(),
        InputFault::NoRows => "trang tính có hàng tiêu đề nhưng không có hàng số liệu".into(),
        InputFault::NotAColumn { name: None } => "ô tiêu đề phải là tên một cột".into(),
        InputFault::NotAColumn { name: Some(n) } => format!(
            "{n:?} không phải tên cột của bảng kế hoạch; các cột là: {}",
            COLUMNS.map(|c| c.0).join(", ")
        ),
        InputFault::ColumnTwice { name } => format!("cột {name:?} có hai lần trong hàng tiêu đề"),
        InputFault::NoColumn { name } => format!("hàng tiêu đề thiếu cột {name:?}"),
        InputFault::OutsideColumns => "có giá trị ở cột không có tiêu đề; dòng tổng cộng và ghi chú không thuộc bảng kế hoạch".into(),
        InputFault::RulesVersion { version, known } => format!(
            "quy tắc phiên bản {version} không được biết (bản socai này biết từ 1 đến {known})"
        ),
    }
}
