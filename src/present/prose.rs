//! The prose sections of the whole report (I: the documents behind the money; III: the
//! programs' results) as headed paragraphs and bullets in printed order, so that text,
//! Markdown, HTML and docx render the same content without knowing where it came from.

/// One printed block of a prose section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// A numbered heading inside the section ("1. Chương trình …"); level 1 is the highest.
    Heading {
        level: u8,
        text: String,
    },
    Paragraph(String),
    /// A "- " item of a list.
    Bullet(String),
}

/// A section's body, without its roman-numbered title (the layout prints that).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Prose {
    pub blocks: Vec<Block>,
}

impl Prose {
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }
}
