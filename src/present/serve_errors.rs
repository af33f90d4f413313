//! `socai serve`'s own refusals before it listens (`present::app_errors::Problem`): the
//! config file (SOCAI_CONFIG), an open address without credentials, a province folder's
//! stores; and `gen`'s bounds.

use crate::present::app_errors::{Problem, count, shown};
use crate::present::messages::say;
use crate::present::problems::os_refused_on;
pub use crate::present::vi_format::Lang;

impl Problem {
    pub(crate) fn serve(&self, lang: Lang) -> Option<String> {
        Some(match self {
            Problem::ConfigUnreadable { path, cause } => os_refused_on(
                lang,
                ("không đọc được tệp cấu hình", "cannot read config"),
                path,
                cause,
            ),
            Problem::ConfigInvalid {
                path: Some(path),
                defect,
            } => say(
                lang,
                format!(
                    "tệp cấu hình {} không hợp lệ: {}",
                    shown(path),
                    defect.text(lang)
                ),
                format!("config {}: {defect}", shown(path)),
            ),
            Problem::ConfigInvalid { path: None, defect } => defect.text(lang),
            Problem::OpenListen { addr } => say(
                lang,
                format!(
                    "từ chối nghe trên {addr} khi chưa có thông tin xác thực: ai cũng có thể ghi vào sổ; hãy khai báo các mục [[credential]] (xem `socai token new`) hoặc nghe trên địa chỉ loopback"
                ),
                format!(
                    "refusing to listen on {addr} without credentials: anyone could append; configure [[credential]] entries (see `socai token new`) or listen on a loopback address"
                ),
            ),
            Problem::NoStores { dir } => say(
                lang,
                format!(
                    "{} không chứa kho nào (mỗi đơn vị một thư mục kho; tạo bằng `socai --db DIR/CODE init --unit CODE --name NAME`)",
                    shown(dir)
                ),
                format!(
                    "{} holds no store (a directory with a HEAD record per unit; make one with `socai --db DIR/CODE init --unit CODE --name NAME`)",
                    shown(dir)
                ),
            ),
            Problem::SecondStore { db, code } => say(
                lang,
                format!(
                    "{} là kho thứ hai của đơn vị {code}: mỗi đơn vị một kho",
                    shown(db)
                ),
                format!(
                    "{} is a second store of unit {code}: one store per unit",
                    shown(db)
                ),
            ),
            Problem::EventsOutside { min, max } => say(
                lang,
                format!(
                    "--events phải nằm trong khoảng {} đến {}",
                    count(lang, *min),
                    count(lang, *max)
                ),
                format!("--events must be between {min} and {max}"),
            ),
            _ => return None,
        })
    }
}

/// What is wrong with a server config file (or a `--listen` address): facts, worded in the
/// reader's language by `ConfigDefect::text`; `Display` is the English.
#[derive(Debug, Clone)]
pub enum ConfigDefect {
    /// Not TOML of the config's shape (the parser's own words).
    Toml(crate::present::os_text::TextFault),
    LimitOutside {
        name: &'static str,
        value: u64,
        min: u64,
        max: u64,
    },
    /// The `credential`-th `[[credential]]` (from 1), by its name, and what is wrong with it.
    Credential {
        credential: usize,
        name: String,
        defect: CredentialDefect,
    },
    Listen {
        text: String,
    },
}

/// What is wrong with one `[[credential]]` of a server config.
#[derive(Debug, Clone)]
pub enum CredentialDefect {
    /// Its name or one of its unit codes is not a code.
    Code(crate::core::rejection::Rejection),
    TokenHash,
    NoUnits,
    NameTwice,
    TokenTwice,
}

impl CredentialDefect {
    fn vietnamese(&self, lang: Lang) -> String {
        match self {
            CredentialDefect::Code(rejection) => crate::present::messages::rejection(rejection, lang),
            CredentialDefect::TokenHash => "token_sha256 phải là 64 chữ số thập lục phân viết thường (tạo bằng `socai token hash`)".into(),
            CredentialDefect::NoUnits => "units = [] không cho vào đơn vị nào; bỏ dòng này để cho vào mọi đơn vị".into(),
            CredentialDefect::NameTwice => "tên này đã dùng".into(),
            CredentialDefect::TokenTwice => "mã truy cập này đã cấp cho thông tin xác thực khác".into(),
        }
    }
}

impl std::fmt::Display for CredentialDefect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CredentialDefect::Code(rejection) => &rejection.message,
            CredentialDefect::TokenHash => {
                "token_sha256 must be 64 lowercase hex digits (make one with `socai token hash`)"
            }
            CredentialDefect::NoUnits => {
                "units = [] reaches no unit; leave it out to reach every unit"
            }
            CredentialDefect::NameTwice => "the name is used twice",
            CredentialDefect::TokenTwice => "the token is already given to another credential",
        })
    }
}

impl ConfigDefect {
    /// The defect in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        let vi = match self {
            ConfigDefect::Toml(why) => format!("không đọc được TOML: {}", why.text(Lang::Vi)),
            ConfigDefect::LimitOutside {
                name,
                value,
                min,
                max,
            } => format!("limits.{name} = {value} nằm ngoài khoảng {min}..={max}"),
            ConfigDefect::Credential {
                credential,
                name,
                defect,
            } => format!(
                "thông tin xác thực {credential} ({name:?}): {}",
                defect.vietnamese(lang)
            ),
            ConfigDefect::Listen { text } => {
                format!("địa chỉ nghe {text:?} không có dạng IP:CỔNG (ví dụ 127.0.0.1:8080)")
            }
        };
        say(lang, vi, self.to_string())
    }
}

impl std::fmt::Display for ConfigDefect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigDefect::Toml(why) => write!(f, "{}", why.text(Lang::En)),
            ConfigDefect::LimitOutside {
                name,
                value,
                min,
                max,
            } => write!(f, "limits.{name} = {value} is outside {min}..={max}"),
            ConfigDefect::Credential {
                credential,
                name,
                defect,
            } => write!(f, "credential {credential} ({name:?}): {defect}"),
            ConfigDefect::Listen { text } => write!(
                f,
                "listen address {text:?} is not IP:PORT (e.g. 127.0.0.1:8080)"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_defect_is_worded_in_vietnamese_and_keeps_its_english() {
        let credential = |defect| ConfigDefect::Credential {
            credential: 2,
            name: "kt-xa".into(),
            defect,
        };
        let defects = [
            ConfigDefect::LimitOutside {
                name: "max_page",
                value: 0,
                min: 1,
                max: 100_000,
            },
            credential(CredentialDefect::TokenHash),
            credential(CredentialDefect::NoUnits),
            credential(CredentialDefect::NameTwice),
            credential(CredentialDefect::TokenTwice),
            ConfigDefect::Listen {
                text: "localhost".into(),
            },
        ];
        for d in &defects {
            let (vi, en) = (d.text(Lang::Vi), d.text(Lang::En));
            assert_eq!(en, d.to_string());
            for english in [
                "credential",
                "is outside",
                "listen address",
                "must be",
                "used twice",
            ] {
                assert!(!vi.contains(english), "{vi}");
            }
        }
        assert_eq!(
            defects[0].text(Lang::Vi),
            "limits.max_page = 0 nằm ngoài khoảng 1..=100000"
        );
        // The credential's frame is written once; each defect keeps its words.
        assert_eq!(
            defects[1].to_string(),
            "credential 2 (\"kt-xa\"): token_sha256 must be 64 lowercase hex digits (make one with `socai token hash`)"
        );
        assert_eq!(
            defects[3].text(Lang::Vi),
            "thông tin xác thực 2 (\"kt-xa\"): tên này đã dùng"
        );
        assert!(
            defects[5]
                .text(Lang::Vi)
                .contains("\"localhost\" không có dạng IP:CỔNG")
        );
    }
}
