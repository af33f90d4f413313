//! The document properties of the docx (docProps/core.xml and docProps/custom.xml), written
//! here because docx-rs sets neither title nor subject and keeps custom properties in a hash
//! map (an order that changes from run to run, and so would the bytes).

use std::fmt::Write as _;

use quick_xml::escape::escape;

use super::Properties;

/// XML 1.0 cannot carry most control characters; a Word file holding one does not open.
/// Text at the door refuses them already; this keeps any that got through from breaking
/// the document.
pub fn clean(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\t')
        .filter(|c| !matches!(c, '\u{fffe}' | '\u{ffff}'))
        .collect()
}

fn x(s: &str) -> String {
    escape(clean(s).as_str()).into_owned()
}

/// docProps/core.xml: title, subject, creator, the provenance note as the description,
/// language, and the moment the figures were known as both created and modified.
pub fn core(p: &Properties, note: &str) -> String {
    let moment = x(&p.known_moment);
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" \
         xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\
         <dc:title>{}</dc:title><dc:subject>{}</dc:subject><dc:creator>socai</dc:creator>\
         <cp:keywords>socai; MTQG</cp:keywords><dc:description>{}</dc:description>\
         <cp:lastModifiedBy>socai</cp:lastModifiedBy><cp:revision>1</cp:revision>\
         <dc:language>{}</dc:language>\
         <dcterms:created xsi:type=\"dcterms:W3CDTF\">{moment}</dcterms:created>\
         <dcterms:modified xsi:type=\"dcterms:W3CDTF\">{moment}</dcterms:modified>\
         </cp:coreProperties>",
        x(&p.title),
        x(&p.subject),
        x(note),
        x(p.language),
    )
}

/// docProps/custom.xml: one text property per provenance field (`socai_as_of`,
/// `socai_known_at`, `socai_head_hash`, `socai_command` …), in the order given.
pub fn custom(fields: &[(&str, String)]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties\" \
         xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\">",
    );
    for (i, (name, value)) in fields.iter().enumerate() {
        // Property ids start at 2 (the format reserves 0 and 1).
        let _ = write!(
            out,
            "<property fmtid=\"{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}\" pid=\"{}\" name=\"socai_{}\">\
             <vt:lpwstr>{}</vt:lpwstr></property>",
            i + 2,
            x(name),
            x(value)
        );
    }
    out.push_str("</Properties>");
    out
}
