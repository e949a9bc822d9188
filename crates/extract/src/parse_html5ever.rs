//! The same flat `Dom`, built by html5ever's spec-complete tree builder.
//!
//! This is the reference the fast builder in `parse` is held to: the
//! differential tests and `examples/extract_eval.rs --parser html5ever` run the whole
//! extractor on both and compare. It is also the parser to use when exact
//! HTML semantics matter more than speed (adoption agency, foster parenting,
//! `<template>`, foreign content), at about 2.5× the parse cost.

use crate::boilerplate::Classifier;
use crate::dom::{Attr, Dom, NONE, Node, Tag};
use crate::parse::kept_name;
use ego_tree::iter::Edge;
use scraper::{Html, node::Node as HNode};

pub fn build(src: &str) -> Dom {
    let html = Html::parse_document(src);
    let mut dom = Dom {
        nodes: Vec::with_capacity(src.len() / 40 + 4),
        text: String::with_capacity(src.len() / 3),
        attrs: Vec::new(),
        attr_text: String::new(),
    };
    let mut classifier = Classifier::default();
    // Index in `dom.nodes` of each open element, parallel to the traversal.
    let mut stack: Vec<u32> = Vec::new();
    // The text node that adjacent text (split by skipped comments) extends.
    let mut last_text = NONE;
    for edge in html.tree.root().traverse() {
        match edge {
            Edge::Open(n) => match n.value() {
                HNode::Document | HNode::Fragment => {
                    stack.push(dom.nodes.len() as u32);
                    dom.nodes.push(element(NONE, Tag::Document, 0, (0, 0)));
                    last_text = NONE;
                }
                HNode::Element(el) => {
                    let name = el.name();
                    let tag = Tag::from_name(name);
                    let a0 = dom.attrs.len();
                    for (k, v) in el.attrs() {
                        if let Some(keep) = kept_name(k.as_bytes()) {
                            let s = dom.attr_text.len() as u32;
                            dom.attr_text.push_str(v);
                            dom.attrs.push(Attr {
                                name: keep,
                                value: (s, dom.attr_text.len() as u32),
                            });
                        }
                    }
                    let flags = classifier.flags(tag, &dom.attrs[a0..], &dom.attr_text);
                    let parent = stack.last().copied().unwrap_or(NONE);
                    stack.push(dom.nodes.len() as u32);
                    dom.nodes.push(element(
                        parent,
                        tag,
                        flags,
                        (a0 as u32, dom.attrs.len() as u32),
                    ));
                    last_text = NONE;
                }
                HNode::Text(t) => {
                    last_text = push_text(&mut dom, &stack, last_text, t);
                }
                // Comments, doctypes and processing instructions carry no
                // article text.
                _ => {}
            },
            Edge::Close(n) => {
                if matches!(
                    n.value(),
                    HNode::Document | HNode::Fragment | HNode::Element(_)
                ) && let Some(i) = stack.pop()
                {
                    dom.nodes[i as usize].end = dom.nodes.len() as u32;
                    last_text = NONE;
                }
            }
        }
    }
    if dom.nodes.is_empty() {
        dom.nodes.push(element(NONE, Tag::Document, 0, (0, 0)));
    }
    dom
}

fn element(parent: u32, tag: Tag, flags: u16, attrs: (u32, u32)) -> Node {
    Node {
        parent,
        end: 0,
        tag,
        flags,
        text: (0, 0),
        attrs,
    }
}

/// Whitespace-only runs collapse to one space, as the fast builder does, so
/// the renderers see the same text either way.
fn push_text(dom: &mut Dom, stack: &[u32], last_text: u32, t: &str) -> u32 {
    let start = dom.text.len();
    if t.bytes().all(|b| b.is_ascii_whitespace()) {
        if last_text != NONE {
            if !dom.text.ends_with(' ') {
                dom.text.push(' ');
                dom.nodes[last_text as usize].text.1 = dom.text.len() as u32;
            }
            return last_text;
        }
        dom.text.push(' ');
    } else {
        dom.text.push_str(t);
    }
    if last_text != NONE && dom.nodes[last_text as usize].text.1 as usize == start {
        dom.nodes[last_text as usize].text.1 = dom.text.len() as u32;
        return last_text;
    }
    let idx = dom.nodes.len() as u32;
    dom.nodes.push(Node {
        parent: stack.last().copied().unwrap_or(NONE),
        end: idx + 1,
        tag: Tag::Text,
        flags: 0,
        text: (start as u32, dom.text.len() as u32),
        attrs: (0, 0),
    });
    idx
}
