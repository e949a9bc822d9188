//! A flat, pre-order copy of the parsed tree that the heuristics walk.
//!
//! Pre-order with a subtree end index means "every descendant of `i`" is the
//! range `i+1..end`, and walking indices backwards visits children before
//! parents, so every statistic is a loop, never recursion: pathological
//! nesting cannot overflow the stack.

pub const NONE: u32 = u32::MAX;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Tag {
    Document,
    Text,
    A,
    Abbr,
    Address,
    Article,
    Aside,
    B,
    Blockquote,
    Body,
    Br,
    Button,
    Caption,
    Cite,
    Code,
    Dd,
    Del,
    Details,
    Dfn,
    Dialog,
    Div,
    Dl,
    Dt,
    Em,
    Fieldset,
    Figcaption,
    Figure,
    Footer,
    Form,
    H1,
    H2,
    H3,
    H4,
    H5,
    H6,
    Head,
    Header,
    Hr,
    Html,
    I,
    Iframe,
    Img,
    Input,
    Ins,
    Kbd,
    Label,
    Legend,
    Li,
    Link,
    Main,
    Mark,
    Menu,
    Meta,
    Nav,
    Ol,
    Option,
    P,
    Picture,
    Pre,
    Q,
    S,
    Samp,
    Section,
    Small,
    Source,
    Span,
    Strike,
    Strong,
    Sub,
    Summary,
    Sup,
    Table,
    Tbody,
    Td,
    Tfoot,
    Th,
    Thead,
    Time,
    Title,
    Tr,
    U,
    Ul,
    Video,
    Embed,
    Center,
    Font,
    Other,
}

impl Tag {
    pub fn from_name(n: &str) -> Tag {
        use Tag::*;
        match n {
            "a" => A,
            "abbr" => Abbr,
            "address" => Address,
            "article" => Article,
            "aside" => Aside,
            "b" => B,
            "blockquote" => Blockquote,
            "body" => Body,
            "br" => Br,
            "button" => Button,
            "caption" => Caption,
            "cite" => Cite,
            "code" => Code,
            "dd" => Dd,
            "del" => Del,
            "details" => Details,
            "dfn" => Dfn,
            "dialog" => Dialog,
            "div" => Div,
            "dl" => Dl,
            "dt" => Dt,
            "em" => Em,
            "fieldset" => Fieldset,
            "figcaption" => Figcaption,
            "figure" => Figure,
            "footer" => Footer,
            "form" => Form,
            "h1" => H1,
            "h2" => H2,
            "h3" => H3,
            "h4" => H4,
            "h5" => H5,
            "h6" => H6,
            "head" => Head,
            "header" => Header,
            "hr" => Hr,
            "html" => Html,
            "i" => I,
            "iframe" => Iframe,
            "img" => Img,
            "input" => Input,
            "ins" => Ins,
            "kbd" => Kbd,
            "label" => Label,
            "legend" => Legend,
            "li" => Li,
            "link" => Link,
            "main" => Main,
            "mark" => Mark,
            "menu" => Menu,
            "meta" => Meta,
            "nav" => Nav,
            "ol" => Ol,
            "option" => Option,
            "p" => P,
            "picture" => Picture,
            "pre" => Pre,
            "q" => Q,
            "s" => S,
            "samp" => Samp,
            "section" => Section,
            "small" => Small,
            "source" => Source,
            "span" => Span,
            "strike" => Strike,
            "strong" => Strong,
            "sub" => Sub,
            "summary" => Summary,
            "sup" => Sup,
            "table" => Table,
            "tbody" => Tbody,
            "td" => Td,
            "tfoot" => Tfoot,
            "th" => Th,
            "thead" => Thead,
            "time" => Time,
            "title" => Title,
            "tr" => Tr,
            "u" => U,
            "ul" => Ul,
            "video" => Video,
            "embed" => Embed,
            "center" => Center,
            "font" => Font,
            _ => Other,
        }
    }

    /// Elements that start a new line of text when rendered.
    pub fn is_block(self) -> bool {
        use Tag::*;
        matches!(
            self,
            Address
                | Article
                | Aside
                | Blockquote
                | Body
                | Br
                | Caption
                | Dd
                | Details
                | Dialog
                | Div
                | Dl
                | Dt
                | Fieldset
                | Figcaption
                | Figure
                | Footer
                | Form
                | H1
                | H2
                | H3
                | H4
                | H5
                | H6
                | Header
                | Hr
                | Html
                | Legend
                | Li
                | Main
                | Menu
                | Nav
                | Ol
                | P
                | Pre
                | Section
                | Summary
                | Table
                | Tbody
                | Td
                | Tfoot
                | Th
                | Thead
                | Tr
                | Ul
                | Center
                | Document
                | Other
        )
    }

    pub fn is_heading(self) -> bool {
        matches!(
            self,
            Tag::H1 | Tag::H2 | Tag::H3 | Tag::H4 | Tag::H5 | Tag::H6
        )
    }
}

pub struct Node {
    pub parent: u32,
    /// One past the last descendant.
    pub end: u32,
    pub tag: Tag,
    pub flags: u16,
    /// Byte range into `Dom::text` for text nodes.
    pub text: (u32, u32),
    /// Index range into `Dom::attrs` for elements.
    pub attrs: (u32, u32),
}

/// An attribute the heuristics or the renderers read; others are not kept.
pub struct Attr {
    pub name: &'static str,
    /// Byte range of the (entity-decoded) value in `Dom::attr_text`: one
    /// buffer for all values instead of an allocation each.
    pub value: (u32, u32),
}

pub struct Dom {
    pub nodes: Vec<Node>,
    pub text: String,
    pub attrs: Vec<Attr>,
    pub attr_text: String,
}

impl Dom {
    pub fn text_of(&self, i: usize) -> &str {
        let (s, e) = self.nodes[i].text;
        &self.text[s as usize..e as usize]
    }

    pub fn attr(&self, i: usize, name: &str) -> Option<&str> {
        let (a, b) = self.nodes[i].attrs;
        self.attrs[a as usize..b as usize]
            .iter()
            .find(|x| x.name == name)
            .map(|x| &self.attr_text[x.value.0 as usize..x.value.1 as usize])
    }

    /// Indices of elements with this tag, in document order.
    pub fn find(&self, tag: Tag) -> impl Iterator<Item = usize> + '_ {
        self.nodes
            .iter()
            .enumerate()
            .filter(move |(_, n)| n.tag == tag)
            .map(|(i, _)| i)
    }
}
