//! Charts as inline SVG, drawn here: plain shapes a browser shows without
//! a script, that print as they look. Each mark carries a `<title>` with
//! its figure and where it comes from, so hovering over a bar says what it
//! is. Every chart is [`WIDTH`] wide in its own units and scales to the
//! page, so it never makes the page wider than A4.
//!
//! Values are integers (fen, or persons); geometry is in `f64`, which only
//! places shapes and never computes a figure.

use super::escape;

/// A chart's width in its own units: the width of an A4 page's text.
pub(crate) const WIDTH: f64 = 680.0;

/// One mark: a bar of `value`, drawn in the style `class`, with `title`
/// shown on hover.
pub(crate) struct Mark {
    pub value: i128,
    pub class: &'static str,
    pub title: String,
    /// The figure written at the end of a horizontal bar.
    pub figure: String,
}

/// One row of horizontal bars, or one slot of columns.
pub(crate) struct Group {
    pub label: String,
    pub marks: Vec<Mark>,
}

/// A range drawn behind columns: one `(low, high)` per slot, or `None`
/// for a slot without one.
pub(crate) struct Band {
    pub name: String,
    pub ranges: Vec<Option<(i128, i128)>>,
}

/// The legend: a name per style.
pub(crate) type Legend<'a> = &'a [(String, &'static str)];

const LABEL_WIDTH: f64 = 180.0;
const FIGURE_WIDTH: f64 = 110.0;
const BAR_HEIGHT: f64 = 14.0;
const ROW_GAP: f64 = 8.0;
const LEGEND_HEIGHT: f64 = 22.0;

/// Horizontal bars: one row per group, its label on the left, each mark a
/// bar with its figure at its end.
pub(crate) fn bars(class: &str, title: &str, groups: &[Group], legend: Legend) -> String {
    let max = groups
        .iter()
        .flat_map(|g| &g.marks)
        .map(|m| m.value)
        .max()
        .unwrap_or(0)
        .max(1);
    let top = if legend.len() > 1 { LEGEND_HEIGHT } else { 4.0 };
    let span = WIDTH - LABEL_WIDTH - FIGURE_WIDTH - 8.0;
    let mut body = String::new();
    let mut y = top;
    for g in groups {
        let rows = g.marks.len().max(1) as f64;
        let height = rows * BAR_HEIGHT + (rows - 1.0) * 2.0;
        body.push_str(&format!(
            "<text class=\"label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\"><title>{}</title>{}</text>\n",
            LABEL_WIDTH - 6.0,
            y + height / 2.0 + 4.0,
            escape(&g.label),
            escape(&shorten(&g.label, LABEL_WIDTH - 10.0)),
        ));
        for (i, m) in g.marks.iter().enumerate() {
            let top = y + i as f64 * (BAR_HEIGHT + 2.0);
            let w = scale(m.value, max) * span;
            if w > 0.0 {
                body.push_str(&format!(
                    "<rect class=\"bar {}\" x=\"{LABEL_WIDTH:.1}\" y=\"{top:.1}\" width=\"{w:.1}\" height=\"{BAR_HEIGHT:.1}\"><title>{}</title></rect>\n",
                    m.class,
                    escape(&m.title)
                ));
            }
            // After the bar, or inside its end when it would run off the
            // chart.
            let (x, anchor, inside) = if LABEL_WIDTH + w + 4.0 + text_width(&m.figure) > WIDTH {
                (LABEL_WIDTH + w - 4.0, "end", " inside")
            } else {
                (LABEL_WIDTH + w + 4.0, "start", "")
            };
            body.push_str(&format!(
                "<text class=\"figure{inside}\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>\n",
                top + BAR_HEIGHT - 3.0,
                escape(&m.figure)
            ));
        }
        y += height + ROW_GAP;
    }
    let height = y.max(top + 20.0);
    svg(class, title, height, &legend_marks(legend), &body)
}

const PLOT_LEFT: f64 = 78.0;
const PLOT_RIGHT: f64 = 8.0;
const PLOT_HEIGHT: f64 = 180.0;
const AXIS_BELOW: f64 = 34.0;
/// The widest a column is drawn, so a chart of one slot is not one block.
const MAX_COLUMN_WIDTH: f64 = 40.0;
/// At most this many slot labels along the bottom; more are thinned out.
const MAX_SLOT_LABELS: usize = 14;

/// Columns: a slot per group along the bottom (months, amounts), its marks
/// side by side, on a scale from zero (or from the lowest value, when a
/// value is below zero) with ticks written by `axis`, and an optional
/// band behind them.
pub(crate) fn columns(
    class: &str,
    title: &str,
    groups: &[Group],
    legend: Legend,
    band: Option<&Band>,
    axis: &dyn Fn(i128) -> String,
) -> String {
    let values = groups.iter().flat_map(|g| g.marks.iter().map(|m| m.value));
    let band_values = band
        .iter()
        .flat_map(|b| b.ranges.iter().flatten().flat_map(|(l, h)| [*l, *h]));
    let all: Vec<i128> = values.chain(band_values).collect();
    let high = all.iter().copied().max().unwrap_or(0).max(0);
    let low = all.iter().copied().min().unwrap_or(0).min(0);
    let step = nice_step(high.saturating_sub(low).max(1));
    let top_value = round_up(high, step);
    let bottom_value = round_up(low.saturating_neg(), step).saturating_neg();
    let range = top_value.saturating_sub(bottom_value).max(1) as f64;
    let top = LEGEND_HEIGHT + 4.0;
    let y_of = |v: i128| top + top_value.saturating_sub(v) as f64 / range * PLOT_HEIGHT;
    let plot_width = WIDTH - PLOT_LEFT - PLOT_RIGHT;
    let slots = groups.len().max(1);
    let slot = plot_width / slots as f64;
    let mut body = String::new();
    // Grid lines and their values.
    let mut tick = bottom_value;
    while tick <= top_value {
        let y = y_of(tick);
        body.push_str(&format!(
            "<line class=\"grid{}\" x1=\"{PLOT_LEFT:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\"/>\n<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n",
            if tick == 0 { " zero" } else { "" },
            WIDTH - PLOT_RIGHT,
            PLOT_LEFT - 4.0,
            y + 3.5,
            escape(&axis(tick))
        ));
        tick = match tick.checked_add(step) {
            Some(t) => t,
            None => break,
        };
    }
    if let Some(b) = band {
        body.push_str(&band_path(b, slot, &y_of));
    }
    let every = groups.len().div_ceil(MAX_SLOT_LABELS).max(1);
    for (i, g) in groups.iter().enumerate() {
        let x0 = PLOT_LEFT + i as f64 * slot;
        let marks = g.marks.len().max(1) as f64;
        let width = (slot * 0.8 / marks).min(MAX_COLUMN_WIDTH);
        let left = x0 + (slot - width * marks) / 2.0;
        for (j, m) in g.marks.iter().enumerate() {
            let (a, b) = (y_of(m.value), y_of(0));
            let (y, h) = if a < b { (a, b - a) } else { (b, a - b) };
            if h > 0.0 {
                body.push_str(&format!(
                    "<rect class=\"bar {}\" x=\"{:.1}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"{h:.1}\"><title>{}</title></rect>\n",
                    m.class,
                    left + j as f64 * width,
                    escape(&m.title)
                ));
            }
        }
        if i % every == 0 {
            body.push_str(&format!(
                "<text class=\"slot\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n",
                x0 + slot / 2.0,
                top + PLOT_HEIGHT + 14.0,
                escape(&shorten(&g.label, slot * every as f64 - 2.0))
            ));
        }
    }
    let mut legend = legend_marks(legend);
    if let Some(b) = band {
        legend.push((b.name.clone(), "band"));
    }
    svg(class, title, top + PLOT_HEIGHT + AXIS_BELOW, &legend, &body)
}

/// A band as one stepped shape: along the highs left to right, back along
/// the lows.
fn band_path(b: &Band, slot: f64, y_of: &dyn Fn(i128) -> f64) -> String {
    let mut path = String::new();
    let mut lows = Vec::new();
    for (i, r) in b.ranges.iter().enumerate() {
        let Some((low, high)) = r else { continue };
        let x0 = PLOT_LEFT + i as f64 * slot;
        let x1 = x0 + slot;
        let verb = if path.is_empty() { 'M' } else { 'L' };
        path.push_str(&format!(
            "{verb}{x0:.1},{:.1} L{x1:.1},{:.1} ",
            y_of(*high),
            y_of(*high)
        ));
        lows.push((x0, x1, y_of(*low)));
    }
    for (x0, x1, y) in lows.iter().rev() {
        path.push_str(&format!("L{x1:.1},{y:.1} L{x0:.1},{y:.1} "));
    }
    if path.is_empty() {
        return String::new();
    }
    format!(
        "<path class=\"band\" d=\"{}Z\"><title>{}</title></path>\n",
        path,
        escape(&b.name)
    )
}

fn legend_marks(legend: Legend) -> Vec<(String, &'static str)> {
    if legend.len() > 1 {
        legend.to_vec()
    } else {
        Vec::new()
    }
}

/// The `<svg>` element around a chart's shapes, with its title and legend.
fn svg(
    class: &str,
    title: &str,
    height: f64,
    legend: &[(String, &'static str)],
    body: &str,
) -> String {
    let mut out = format!(
        "<svg class=\"chart {class}\" viewBox=\"0 0 {WIDTH:.0} {height:.0}\" role=\"img\">\n<title>{}</title>\n",
        escape(title)
    );
    let mut x = PLOT_LEFT;
    for (name, style) in legend {
        out.push_str(&format!(
            "<rect class=\"key {style}\" x=\"{x:.1}\" y=\"6\" width=\"10\" height=\"10\"/><text class=\"legend\" x=\"{:.1}\" y=\"15\">{}</text>\n",
            x + 14.0,
            escape(name)
        ));
        x += 24.0 + text_width(name);
    }
    out.push_str(body);
    out.push_str("</svg>\n");
    out
}

/// A step of 1, 2 or 5 times a power of ten that divides `span` into at
/// most five parts.
fn nice_step(span: i128) -> i128 {
    let raw = (span.saturating_add(4) / 5).max(1);
    let mut magnitude: i128 = 1;
    while magnitude.saturating_mul(10) <= raw {
        magnitude = magnitude.saturating_mul(10);
    }
    [1, 2, 5, 10]
        .iter()
        .map(|m| magnitude.saturating_mul(*m))
        .find(|s| *s >= raw)
        .unwrap_or(raw)
}

/// `value` rounded up to a multiple of `step` (`value` ≥ 0).
fn round_up(value: i128, step: i128) -> i128 {
    let step = step.max(1);
    (value.max(0).saturating_add(step - 1) / step).saturating_mul(step)
}

/// `value / max` as a share of a bar's length, between 0 and 1.
fn scale(value: i128, max: i128) -> f64 {
    if value <= 0 || max <= 0 {
        0.0
    } else {
        (value as f64 / max as f64).min(1.0)
    }
}

/// About how wide `text` is at the charts' 11-unit type: CJK characters
/// are about square, others about half as wide.
fn text_width(text: &str) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 6.2 } else { 11.5 })
        .sum()
}

/// `text`, cut with `…` to fit `width`.
fn shorten(text: &str, width: f64) -> String {
    if text_width(text) <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = text_width("…");
    for c in text.chars() {
        let w = text_width(c.encode_utf8(&mut [0; 4]));
        if used + w > width {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(value: i128) -> Mark {
        Mark {
            value,
            class: "s0",
            title: format!("v{value}"),
            figure: value.to_string(),
        }
    }

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(1), 1);
        assert_eq!(nice_step(600_000), 200_000);
        assert_eq!(nice_step(1_000_000), 200_000);
        assert_eq!(nice_step(1_000_001), 500_000);
        assert_eq!(round_up(600_000, 200_000), 600_000);
        assert_eq!(round_up(600_001, 200_000), 800_000);
    }

    #[test]
    fn a_zero_value_draws_no_bar_but_keeps_its_slot() {
        let groups = vec![
            Group {
                label: "2023-03".into(),
                marks: vec![mark(0)],
            },
            Group {
                label: "2023-04".into(),
                marks: vec![mark(5)],
            },
        ];
        let svg = columns("t", "title", &groups, &[], None, &|v| v.to_string());
        assert_eq!(svg.matches("<rect class=\"bar").count(), 1);
        assert!(svg.contains(">2023-03</text>") && svg.contains(">2023-04</text>"));
    }

    #[test]
    fn three_years_of_months_label_at_most_fourteen() {
        let groups: Vec<Group> = (0..36)
            .map(|i| Group {
                label: format!("m{i}"),
                marks: vec![mark(i)],
            })
            .collect();
        let svg = columns("t", "title", &groups, &[], None, &|v| v.to_string());
        let labels = svg.matches("class=\"slot\"").count();
        assert!((1..=MAX_SLOT_LABELS).contains(&labels), "{labels}");
        assert_eq!(svg.matches("<rect class=\"bar").count(), 35);
    }

    #[test]
    fn a_band_is_drawn_behind_the_columns() {
        let groups = vec![Group {
            label: "2023-03".into(),
            marks: vec![mark(5)],
        }];
        let band = Band {
            name: "p5–p95".into(),
            ranges: vec![Some((3, 8))],
        };
        let svg = columns("t", "title", &groups, &[], Some(&band), &|v| v.to_string());
        let (band_at, bar_at) = (
            svg.find("class=\"band\"").unwrap(),
            svg.find("class=\"bar").unwrap(),
        );
        assert!(band_at < bar_at, "{svg}");
        assert!(svg.contains("<title>p5–p95</title>"));
    }

    #[test]
    fn long_labels_are_cut_and_kept_whole_in_the_title() {
        let long = "经北京市职业技能鉴定管理中心备案的评价机构认定的国家一级职业资格证书";
        let groups = vec![Group {
            label: long.into(),
            marks: vec![mark(1)],
        }];
        let svg = bars("t", "title", &groups, &[]);
        assert!(svg.contains(&format!("<title>{long}</title>")));
        assert!(svg.contains('…'));
    }

    #[test]
    fn a_figure_that_would_run_off_goes_inside_its_bar() {
        let groups = vec![Group {
            label: "a".into(),
            marks: vec![Mark {
                figure: "2,873,081.96 元 (1,290 人)".into(),
                ..mark(10)
            }],
        }];
        let svg = bars("t", "title", &groups, &[]);
        assert!(svg.contains("class=\"figure inside\""), "{svg}");
    }

    #[test]
    fn negative_values_hang_below_zero() {
        let groups = vec![
            Group {
                label: "-500".into(),
                marks: vec![mark(-3)],
            },
            Group {
                label: "+500".into(),
                marks: vec![mark(5)],
            },
        ];
        let svg = columns("t", "title", &groups, &[], None, &|v| v.to_string());
        assert!(
            svg.contains(">-5</text>") || svg.contains(">-4</text>"),
            "{svg}"
        );
        assert_eq!(svg.matches("<rect class=\"bar").count(), 2);
    }
}
