//! Shows why a page was extracted as it was: the chosen container and the
//! marked body elements. cargo run --example debug -- PAGE.html[.gz] [URL]
use newsroom_extract::{boilerplate, charset, dom::Dom, jsonld, prepass, scoring};
use std::io::Read;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        println!("usage: debug PAGE.html[.gz]");
        return;
    };
    let mut raw = Vec::new();
    let f = std::fs::File::open(&path).expect("open");
    if path.ends_with(".gz") {
        flate2::read::GzDecoder::new(f)
            .read_to_end(&mut raw)
            .expect("gzip");
    } else {
        std::io::BufReader::new(f)
            .read_to_end(&mut raw)
            .expect("read");
    }
    let d = charset::decode(&raw, None);
    let pr = prepass::prepare(&d);
    let dom = newsroom_extract::parse::build(&pr.html);
    let ld = jsonld::parse(&pr.jsonld);
    println!(
        "jsonld article={} body_len={:?}",
        ld.is_article,
        ld.body.as_ref().map(|b| b.len())
    );
    let anchor = ld
        .body
        .as_deref()
        .filter(|b| b.len() >= 500)
        .map(scoring::anchor);
    let describe = |i: usize| {
        format!(
            "#{i} {:?} class={:?} id={:?} flags={:#b}",
            dom.nodes[i].tag,
            dom.attr(i, "class").unwrap_or(""),
            dom.attr(i, "id").unwrap_or(""),
            dom.nodes[i].flags
        )
    };
    if let Some(sel) = scoring::select(&dom, anchor.as_ref()) {
        println!(
            "chosen {} good={} total={} doc_good={}",
            describe(sel.root),
            sel.good,
            sel.total,
            sel.doc_good
        );
        let mut p = dom.nodes[sel.root].parent;
        while p != u32::MAX {
            println!("  in {}", describe(p as usize));
            p = dom.nodes[p as usize].parent;
        }
        for (i, n) in dom.nodes.iter().enumerate() {
            if n.flags & boilerplate::BODY != 0 {
                println!("body-marked {} dead={}", describe(i), sel.dead[i]);
            }
        }
    } else {
        println!("no selection");
        longest(&dom);
    }
}

/// Ancestors of the longest paragraph, to see what killed it.
#[allow(dead_code)]
pub fn longest(dom: &Dom) {
    let sel = scoring::select(dom, None);
    let mut best = (0usize, 0usize);
    for (i, n) in dom.nodes.iter().enumerate() {
        if n.tag == newsroom_extract::dom::Tag::Text {
            let l = dom.text_of(i).len();
            if l > best.1 {
                best = (i, l);
            }
        }
    }
    let mut p = best.0 as u32;
    println!(
        "longest text ({} bytes): {:?}",
        best.1,
        &dom.text_of(best.0).chars().take(80).collect::<String>()
    );
    while p != u32::MAX {
        let i = p as usize;
        println!(
            "  in #{i} dead={:?} {:?} class={:?} id={:?} flags={:#b}",
            sel.as_ref()
                .map(|s| (s.dead[i], s.own_text[i], s.own_link[i])),
            dom.nodes[i].tag,
            dom.attr(i, "class").unwrap_or(""),
            dom.attr(i, "id").unwrap_or(""),
            dom.nodes[i].flags
        );
        p = dom.nodes[i].parent;
    }
}
