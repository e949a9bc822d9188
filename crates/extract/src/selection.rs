//! What scoring chose, as the renderers and the sibling walk read it; its
//! own module so that they depend on it, not on scoring, which uses them.

/// A paragraph shorter than this (non-space characters) is not evidence of
/// an article on its own.
pub(crate) const MIN_GOOD: u32 = 60;

/// The article container scoring chose, and what it measured on the way.
pub struct Selection {
    pub root: usize,
    /// True for every node that is excluded, self or by an ancestor.
    pub dead: Vec<bool>,
    /// Non-space characters of paragraph text owned by each block.
    pub own_text: Vec<u32>,
    pub own_link: Vec<u32>,
    /// Good paragraph text inside the chosen container.
    pub good: u32,
    pub total: u32,
    /// Good paragraph text in the whole document.
    pub doc_good: u32,
}
