//! Vietnamese for the storage layer's findings (`StoreError::Integrity`'s and `Io`'s message).
//!
//! Why a table of the storage layer's wordings and not facts: `StoreError::Integrity` carries
//! its finding as text from some forty places, and storage is being changed on other branches;
//! giving it a structured fault is the next step (issue 14). Until then each finding a
//! tampered or damaged store gives on `verify`, `recover` and opens (hash mismatch at a
//! sequence, a missing sequence, a torn tail, HEAD against the log, a withdrawn index, a
//! damaged journal) is recognised by its fixed start here, and its numbers, hashes and paths
//! are carried over. A finding not in the table is shown as storage wrote it (English), after
//! the translated frame. `tests/english_labels.rs` tampers a real store, so a storage wording
//! that drifts from this table fails a test instead of going quietly English.

/// The pieces of a finding that are facts, not words: numbers, hex hashes and paths.
fn facts(message: &str) -> Vec<&str> {
    message
        .split([' ', '(', ')', ',', ';'])
        .map(|t| t.trim_end_matches(':'))
        .filter(|t| {
            !t.is_empty()
                && (t.chars().all(|c| c.is_ascii_digit())
                    || (t.len() == 64 && t.chars().all(|c| c.is_ascii_hexdigit()))
                    || t.contains('/'))
        })
        .collect()
}

/// A `StoreError` as its `Display` wrote it, in Vietnamese: the frame (integrity failure at
/// a sequence, store error) and the finding (see `vietnamese`, `io_vietnamese`).
pub fn store_text_vietnamese(text: &str) -> String {
    if let Some(rest) = text.strip_prefix("integrity failure at sequence ")
        && let Some((seq, message)) = rest.split_once(": ")
    {
        return format!("lỗi toàn vẹn ở số thứ tự {seq}: {}", vietnamese(message));
    }
    if let Some(message) = text.strip_prefix("integrity failure: ") {
        return format!("lỗi toàn vẹn: {}", vietnamese(message));
    }
    if let Some(message) = text.strip_prefix("store error: ") {
        return format!("lỗi kho dữ liệu: {}", io_vietnamese(message));
    }
    vietnamese(text)
}

/// A `StoreError::Io` message in Vietnamese when it is a known one; otherwise as written.
pub fn io_vietnamese(message: &str) -> String {
    let f = facts(message);
    let path = f.first().copied().unwrap_or("?");
    let path = message
        .strip_prefix("no store at ")
        .and_then(|rest| rest.split(" (create one").next())
        .unwrap_or(path);
    if message.starts_with("no store at ") {
        format!("không có kho nào ở {path} (tạo kho bằng `socai import` hoặc `socai demo`)")
    } else if let Some(dir) = message.strip_suffix(" has no journal") {
        format!("{dir} chưa có nhật ký")
    } else if let Some(dir) = message.strip_suffix(" has no HEAD record") {
        format!("{dir} chưa có bản ghi đầu chuỗi")
    } else {
        message.to_string()
    }
}

/// `message` in Vietnamese when it is a known finding; otherwise as written.
pub fn vietnamese(message: &str) -> String {
    let f = facts(message);
    let at = |i: usize| f.get(i).copied().unwrap_or("?");
    let starts = |p: &str| message.starts_with(p);
    if starts("hash mismatch") {
        "mã băm không khớp: dữ liệu hoặc mã băm đã lưu đã bị sửa".to_string()
    } else if starts("sequence ") && message.contains(" is missing (the next stored one is ") {
        format!(
            "thiếu số thứ tự {} (số tiếp theo được lưu là {})",
            at(0),
            at(1)
        )
    } else if starts("stored value is too short")
        || starts("the stored value is missing, out of place or too short")
    {
        "giá trị đã lưu bị thiếu, sai chỗ hoặc quá ngắn".to_string()
    } else if starts("record claims sequence ") {
        format!("bản ghi tự nhận là số thứ tự {}", at(0))
    } else if starts("truncated tail: HEAD records sequence ") {
        format!(
            "đuôi sổ bị cắt: bản ghi đầu chuỗi ghi số thứ tự {} nhưng sổ chỉ đến {}",
            at(0),
            at(1)
        )
    } else if starts("HEAD records hash ") && message.contains(" but the log has ") {
        format!(
            "bản ghi đầu chuỗi ghi mã băm {} cho số thứ tự {} nhưng sổ có mã băm {}",
            at(0),
            at(1),
            at(2)
        )
    } else if starts("the index differs from the log: ") {
        format!(
            "chỉ mục khác với sổ ở tệp {} (bị sửa hoặc hỏng): chỉ mục bị rút lại, truy vấn đọc toàn bộ sổ và lần ghi sau sẽ dựng lại chỉ mục",
            at(0)
        )
    } else if starts("the journal ") && message.contains(" at acknowledged sequence ") {
        format!(
            "nhật ký {} bị hỏng ở số thứ tự đã ghi nhận {} (`socai recover` dựng lại kho từ cả hai bản)",
            at(0),
            at(1)
        )
    } else if starts("the journal ") && message.contains(" is damaged or differs from the log") {
        format!(
            "nhật ký {} bị hỏng hoặc khác với sổ ở số thứ tự {} (`socai recover` dựng lại kho từ cả hai bản)",
            at(0),
            at(1)
        )
    } else if starts("the journal ") && message.contains(" lacks acknowledged sequence ") {
        format!(
            "nhật ký {} thiếu số thứ tự đã ghi nhận {} (`socai recover` dựng lại kho từ cả hai bản)",
            at(0),
            at(1)
        )
    } else if starts("the stored hash differs from the one acknowledged") {
        "mã băm đã lưu khác với mã băm đã ghi nhận".to_string()
    } else if starts("the log ends at sequence ") && message.contains("was expected") {
        format!(
            "sổ kết thúc ở số thứ tự {} nhưng cần có số thứ tự {}: đây là bản cũ của kho hoặc kho đã mất phần đuôi",
            at(0),
            at(1)
        )
    } else if starts("the store has no journal") {
        "kho chưa có nhật ký".to_string()
    } else if starts("neither the log nor the journal holds an intact copy") {
        "cả sổ lẫn nhật ký đều không giữ được bản nguyên vẹn (mã băm không khớp hoặc bản ghi không giải mã được)".to_string()
    } else if starts("sled reports corruption") {
        format!(
            "sled báo dữ liệu bị hỏng ({})",
            message.trim_start_matches("sled reports corruption: ")
        )
    } else {
        message.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_findings_keep_their_facts_in_vietnamese() {
        let torn = vietnamese("truncated tail: HEAD records sequence 277 but the log ends at 250");
        assert_eq!(
            torn,
            "đuôi sổ bị cắt: bản ghi đầu chuỗi ghi số thứ tự 277 nhưng sổ chỉ đến 250"
        );
        let gap = vietnamese("sequence 5 is missing (the next stored one is 7)");
        assert_eq!(gap, "thiếu số thứ tự 5 (số tiếp theo được lưu là 7)");
        let journal = vietnamese(
            "the journal /s/journal is torn at acknowledged sequence 12 (`socai recover` rebuilds the store from both copies)",
        );
        assert!(journal.starts_with("nhật ký /s/journal bị hỏng ở số thứ tự đã ghi nhận 12"));
        assert_eq!(
            io_vietnamese("no store at /x y (create one with `socai import` or `socai demo`)"),
            "không có kho nào ở /x y (tạo kho bằng `socai import` hoặc `socai demo`)"
        );
        // Unknown findings are kept as written, not guessed.
        assert_eq!(vietnamese("something new"), "something new");
    }
}
