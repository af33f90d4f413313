//! `socai serve`'s own refusals before it listens (`present::app_errors::Problem`): the
//! config file (SOCAI_CONFIG), an open address without credentials, a province folder's
//! stores; and `gen`'s bounds.

use crate::present::app_errors::{Problem, count, shown};
use crate::present::messages::say;
use crate::present::problems::io_cause;
pub use crate::present::vi_format::Lang;

impl Problem {
    pub(crate) fn serve(&self, lang: Lang) -> Option<String> {
        Some(match self {
            Problem::ConfigUnreadable { path, cause } => say(
                lang,
                format!(
                    "không đọc được tệp cấu hình {}: {}",
                    shown(path),
                    io_cause(cause, lang)
                ),
                format!("cannot read config {}: {cause}", shown(path)),
            ),
            Problem::ConfigInvalid { path, detail } => say(
                lang,
                format!("tệp cấu hình {} không hợp lệ: {detail}", shown(path)),
                format!("config {}: {detail}", shown(path)),
            ),
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
