//! Charts drawn on the server as inline SVG: bars, each stacked from parts
//! of a kind (a CSS class, so admin.css colours them for light and dark),
//! each bar with a `<title>` giving its figures on hover and to screen
//! readers. No script, no style attribute (the admin's content security
//! policy allows neither).

use crate::xml::clean;
use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};

const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 150.0;
/// Room for the axis labels.
const LEFT: f64 = 44.0;
const BOTTOM: f64 = 18.0;
const TOP: f64 = 6.0;

/// One part of a bar: its kind (`ok`, `failed`...: the CSS class
/// `part-{kind}`) and its value.
#[derive(Debug, Clone)]
pub struct Part {
    pub kind: &'static str,
    pub value: i64,
}

#[derive(Debug, Clone)]
pub struct Bar {
    /// Its figures in words, for the bar's `<title>`.
    pub label: String,
    pub parts: Vec<Part>,
}

#[derive(Debug, Clone)]
pub struct Chart {
    /// What the chart shows; its accessible name.
    pub title: String,
    /// A unique id on the page, for `aria-labelledby`.
    pub id: &'static str,
    pub bars: Vec<Bar>,
    /// Under the first and the last bar.
    pub first_label: String,
    pub last_label: String,
    /// After the highest value on the axis ("ms", "views"...).
    pub unit: &'static str,
}

fn element<'a>(name: &'a str, attrs: &[(&'a str, String)]) -> BytesStart<'a> {
    let mut e = BytesStart::new(name);
    for (k, v) in attrs {
        e.push_attribute((*k, clean(v).as_ref()));
    }
    e
}

fn num(x: f64) -> String {
    format!("{:.1}", x)
}

/// The chart as an `<svg>` element, to put in a page as it is.
pub fn svg(chart: &Chart) -> String {
    let mut w = Writer::new(Vec::with_capacity(8 * 1024));
    // Writing to a Vec cannot fail.
    let _ = draw(&mut w, chart);
    String::from_utf8(w.into_inner()).unwrap_or_default()
}

fn draw(w: &mut Writer<Vec<u8>>, c: &Chart) -> std::io::Result<()> {
    let title_id = format!("{}-title", c.id);
    w.write_event(Event::Start(element(
        "svg",
        &[
            ("xmlns", "http://www.w3.org/2000/svg".into()),
            ("class", "chart".into()),
            ("id", c.id.into()),
            ("viewBox", format!("0 0 {WIDTH} {HEIGHT}")),
            ("role", "img".into()),
            ("aria-labelledby", title_id.clone()),
        ],
    )))?;
    text(w, "title", &[("id", title_id)], &c.title)?;
    let max = c
        .bars
        .iter()
        .map(|b| b.parts.iter().map(|p| p.value.max(0)).sum::<i64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let plot_w = WIDTH - LEFT;
    let plot_h = HEIGHT - BOTTOM - TOP;
    let base = TOP + plot_h;
    // The axes and the highest value.
    empty(
        w,
        "line",
        &[
            ("class", "axis".into()),
            ("x1", num(LEFT)),
            ("y1", num(base)),
            ("x2", num(WIDTH)),
            ("y2", num(base)),
        ],
    )?;
    empty(
        w,
        "line",
        &[
            ("class", "axis".into()),
            ("x1", num(LEFT)),
            ("y1", num(TOP)),
            ("x2", num(LEFT)),
            ("y2", num(base)),
        ],
    )?;
    let top_label = if c.unit.is_empty() {
        max.to_string()
    } else {
        format!("{max} {}", c.unit)
    };
    text(
        w,
        "text",
        &[
            ("class", "tick".into()),
            ("x", num(LEFT - 4.0)),
            ("y", num(TOP + 8.0)),
            ("text-anchor", "end".into()),
        ],
        &top_label,
    )?;
    text(
        w,
        "text",
        &[
            ("class", "tick".into()),
            ("x", num(LEFT - 4.0)),
            ("y", num(base)),
            ("text-anchor", "end".into()),
        ],
        "0",
    )?;
    let n = c.bars.len().max(1) as f64;
    let step = plot_w / n;
    let gap = if step > 3.0 { 1.0 } else { 0.0 };
    for (i, bar) in c.bars.iter().enumerate() {
        w.write_event(Event::Start(element("g", &[("class", "bar".into())])))?;
        text(w, "title", &[], &bar.label)?;
        let x = LEFT + step * i as f64 + gap;
        let mut y = base;
        for p in bar.parts.iter().filter(|p| p.value > 0) {
            let h = p.value as f64 / max as f64 * plot_h;
            y -= h;
            empty(
                w,
                "rect",
                &[
                    ("class", format!("part-{}", p.kind)),
                    ("data-value", p.value.to_string()),
                    ("x", num(x)),
                    ("y", num(y)),
                    ("width", num((step - gap).max(0.5))),
                    ("height", num(h)),
                ],
            )?;
        }
        w.write_event(Event::End(BytesEnd::new("g")))?;
    }
    let label_y = HEIGHT - 4.0;
    text(
        w,
        "text",
        &[
            ("class", "tick".into()),
            ("x", num(LEFT)),
            ("y", num(label_y)),
        ],
        &c.first_label,
    )?;
    text(
        w,
        "text",
        &[
            ("class", "tick".into()),
            ("x", num(WIDTH)),
            ("y", num(label_y)),
            ("text-anchor", "end".into()),
        ],
        &c.last_label,
    )?;
    w.write_event(Event::End(BytesEnd::new("svg")))?;
    Ok(())
}

fn text(
    w: &mut Writer<Vec<u8>>,
    name: &str,
    attrs: &[(&str, String)],
    body: &str,
) -> std::io::Result<()> {
    w.write_event(Event::Start(element(name, attrs)))?;
    w.write_event(Event::Text(BytesText::new(&clean(body))))?;
    w.write_event(Event::End(BytesEnd::new(name)))
}

fn empty(w: &mut Writer<Vec<u8>>, name: &str, attrs: &[(&str, String)]) -> std::io::Result<()> {
    w.write_event(Event::Empty(element(name, attrs)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(values: &[(i64, i64)]) -> Chart {
        Chart {
            title: "Fetches <per> hour".into(),
            id: "fetches",
            bars: values
                .iter()
                .enumerate()
                .map(|(i, (ok, failed))| Bar {
                    label: format!("hour {i} & \"more\""),
                    parts: vec![
                        Part {
                            kind: "ok",
                            value: *ok,
                        },
                        Part {
                            kind: "failed",
                            value: *failed,
                        },
                    ],
                })
                .collect(),
            first_label: "<script>".into(),
            last_label: "now".into(),
            unit: "",
        }
    }

    /// Every `(class, value, height)` of the bars' rectangles.
    fn rects(svg: &str) -> Vec<(String, i64, f64)> {
        let mut r = quick_xml::Reader::from_str(svg);
        let mut out = Vec::new();
        loop {
            match r.read_event().expect("well-formed XML") {
                Event::Empty(e) if e.name().as_ref() == "rect" => {
                    let attr = |k: &str| {
                        e.attributes()
                            .map(|a| a.unwrap())
                            .find(|a| a.key.as_ref() == k)
                            .map(|a| {
                                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                    .unwrap()
                                    .into_owned()
                            })
                            .unwrap_or_default()
                    };
                    out.push((
                        attr("class"),
                        attr("data-value").parse().unwrap(),
                        attr("height").parse().unwrap(),
                    ));
                }
                Event::Eof => return out,
                _ => {}
            }
        }
    }

    #[test]
    fn bars_are_stacked_in_proportion() {
        let s = svg(&chart(&[(4, 0), (2, 2), (0, 0), (1, 0)]));
        let r = rects(&s);
        // Zero parts draw nothing; the tallest bar (4) fills the plot.
        assert_eq!(r.len(), 4, "{r:?}");
        let full = HEIGHT - BOTTOM - TOP;
        assert_eq!((r[0].0.as_str(), r[0].1), ("part-ok", 4));
        assert!((r[0].2 - full).abs() < 0.1);
        assert!((r[1].2 - full / 2.0).abs() < 0.1 && (r[2].2 - full / 2.0).abs() < 0.1);
        assert_eq!(r[2].0, "part-failed");
        assert!((r[3].2 - full / 4.0).abs() < 0.1);
    }

    #[test]
    fn text_is_escaped_and_nothing_runs() {
        let s = svg(&chart(&[(1, 1)]));
        assert!(s.starts_with("<svg ") && s.ends_with("</svg>"));
        assert!(s.contains("Fetches &lt;per&gt; hour"));
        assert!(s.contains("hour 0 &amp; &quot;more&quot;") || s.contains("hour 0 &amp; \"more\""));
        assert!(!s.contains("<script"));
        assert!(!s.contains("style="));
        assert!(s.contains("role=\"img\"") && s.contains("aria-labelledby=\"fetches-title\""));
    }

    #[test]
    fn an_empty_chart_is_still_a_chart() {
        let s = svg(&chart(&[]));
        assert!(rects(&s).is_empty());
        assert!(s.contains(">1</text>"), "an axis up to 1: {s}");
    }
}
