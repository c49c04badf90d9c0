//! Line plots as inline SVG, drawn on the server: no script and no chart library is needed to
//! see them, and the page's script only swaps the refreshed markup in.

use std::fmt::Write;

use maud::{Markup, PreEscaped, html};

/// Width and height of a plot's coordinate space; CSS sizes the element.
const WIDTH: f64 = 240.0;
const HEIGHT: f64 = 48.0;
/// Room above the highest point for the label of the scale.
const HEADROOM: f64 = 12.0;

/// One line of a plot: `(time, value)` pairs, oldest first; `None` leaves a gap.
pub(super) struct Line {
    /// The CSS class that colours it.
    pub class: &'static str,
    pub points: Vec<(f64, Option<f64>)>,
}

/// A plot of `lines` over the times `from..=to`, scaled from zero to the highest value, whose
/// label `format` writes in the top-left corner. `title` says what it shows, for screen
/// readers and as a tooltip.
pub(super) fn plot(
    title: &str,
    lines: &[Line],
    (from, to): (f64, f64),
    format: fn(f64) -> String,
) -> Markup {
    let highest = lines
        .iter()
        .flat_map(|l| l.points.iter().filter_map(|(_, v)| *v))
        .fold(0.0_f64, f64::max);
    let top = if highest > 0.0 { highest } else { 1.0 };
    let span = (to - from).max(f64::EPSILON);
    let x = |t: f64| (t - from) / span * WIDTH;
    let y = |v: f64| HEIGHT - v / top * (HEIGHT - HEADROOM);
    // The most points any line draws: what a reader (or a test) can count on.
    let points = lines
        .iter()
        .map(|l| l.points.iter().filter(|(_, v)| v.is_some()).count())
        .max()
        .unwrap_or(0);
    let mut svg = String::new();
    for line in lines {
        for run in line
            .points
            .split(|(_, v)| v.is_none())
            .filter(|r| !r.is_empty())
        {
            let mut coords = String::new();
            for (t, v) in run {
                let _ = write!(coords, "{:.1},{:.1} ", x(*t), y(v.unwrap_or(0.0)));
            }
            // A lone point would draw nothing as a line: a dot shows it.
            if run.len() == 1 {
                let _ = write!(
                    svg,
                    r#"<circle class="{}" cx="{:.1}" cy="{:.1}" r="1.5"/>"#,
                    line.class,
                    x(run[0].0),
                    y(run[0].1.unwrap_or(0.0))
                );
            } else {
                let _ = write!(
                    svg,
                    r#"<polyline class="{}" points="{}"/>"#,
                    line.class,
                    coords.trim_end()
                );
            }
        }
    }
    html! {
        svg.plot viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) preserveAspectRatio="none"
            role="img" aria-label=(title) data-points=(points) {
            title { (title) }
            line.axis x1="0" y1=(HEIGHT) x2=(WIDTH) y2=(HEIGHT) {}
            // Only numbers and our own class names went into it.
            (PreEscaped(svg))
            text x="2" y="9" { (format(highest)) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_split_the_line_and_the_scale_is_labelled() {
        let line = Line {
            class: "calls",
            points: vec![
                (0.0, Some(1.0)),
                (1.0, Some(2.0)),
                (2.0, None),
                (3.0, Some(4.0)),
            ],
        };
        let svg = plot("calls", &[line], (0.0, 3.0), |v| format!("{v}/s")).into_string();
        assert_eq!(svg.matches("<polyline").count(), 1, "{svg}");
        assert_eq!(
            svg.matches("<circle").count(),
            1,
            "the lone last point: {svg}"
        );
        assert!(svg.contains(r#"data-points="3""#), "drawn points: {svg}");
        assert!(svg.contains(">4/s</text>"), "{svg}");
        assert!(svg.contains(r#"points="0.0,39.0 80.0,30.0""#), "{svg}");
    }

    #[test]
    fn titles_are_escaped() {
        let svg = plot("<script>", &[], (0.0, 1.0), |v| v.to_string()).into_string();
        assert!(!svg.contains("<script>"), "{svg}");
    }
}
