//! The report's charts, drawn by `plotters` into SVG strings (its SVG backend only: no
//! fonts to load, text stays `<text>` for the browser to render). Each chart returns one
//! `<svg>` element that the HTML template embeds inline, so the page needs no network.

use super::artifacts::{Importance, LeaderboardRow, Predictions};
use super::timeline::{Step, StepOutcome};
use anyhow::{anyhow, Result};
use plotters::coord::ranged1d::{AsRangedCoord, SegmentValue};
use plotters::prelude::*;

const WIDTH: u32 = 1000;
const BLUE: RGBColor = RGBColor(0x4c, 0x78, 0xa8);
const ORANGE: RGBColor = RGBColor(0xf5, 0x85, 0x18);
const RED: RGBColor = RGBColor(0xe4, 0x57, 0x56);
const GREEN: RGBColor = RGBColor(0x54, 0xa2, 0x4b);
const GREY: RGBColor = RGBColor(0x9d, 0x9d, 0x9d);
const INK: RGBColor = RGBColor(0x33, 0x33, 0x33);
const FONT: &str = "sans-serif";

fn failed<E: std::fmt::Debug>(chart: &str) -> impl FnOnce(E) -> anyhow::Error + '_ {
    move |err| anyhow!("drawing the {chart} chart: {err:?}")
}

/// Room for the longest label, in pixels (the SVG backend estimates ~7 px a character at
/// 13 px).
fn label_width<'a>(labels: impl Iterator<Item = &'a str>) -> u32 {
    let longest = labels.map(|l| l.chars().count()).max().unwrap_or(4) as u32;
    (longest * 7 + 16).clamp(60, 260)
}

/// `n` segments (a plotters integer range includes its end: `0..n` would make n + 1).
fn segments(
    n: usize,
) -> plotters::coord::ranged1d::SegmentedCoord<plotters::coord::types::RangedCoordi32> {
    (0..n as i32 - 1).into_segmented()
}

/// The label of segment `i` counted from the bottom, rows listed from the top.
fn row_label(labels: &[String], n: usize, i: i32) -> String {
    usize::try_from(i)
        .ok()
        .and_then(|i| (n - 1).checked_sub(i))
        .and_then(|row| labels.get(row))
        .cloned()
        .unwrap_or_default()
}

/// A value range that includes 0 and every value, padded a little.
fn span(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let pad = ((hi - lo) * 0.05).max(1e-9);
    (
        if lo < 0.0 { lo - pad } else { 0.0 },
        if hi > 0.0 { hi + pad } else { 0.0 + pad },
    )
}

/// The chart area every chart is drawn in: a plotters context over `x` × `y`.
type Chart<'a, 'b, X, Y> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<<X as AsRangedCoord>::CoordDescType, <Y as AsRangedCoord>::CoordDescType>,
>;

/// One `<svg>` of `size`: a white ground, `title` as the caption, label areas of
/// `label_areas` (x, y) pixels around a chart over `x` × `y`, which `draw` fills.
fn svg_chart<X: AsRangedCoord, Y: AsRangedCoord>(
    title: &str,
    size: (u32, u32),
    (x_label_area, y_label_area): (u32, u32),
    (x, y): (X, Y),
    draw: impl FnOnce(&mut Chart<'_, '_, X, Y>) -> Result<()>,
) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(failed(title))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 17).into_font().color(&INK))
            .margin(12)
            .x_label_area_size(x_label_area)
            .y_label_area_size(y_label_area)
            .build_cartesian_2d(x, y)
            .map_err(failed(title))?;
        draw(&mut chart)?;
        root.present().map_err(failed(title))?;
    }
    Ok(svg)
}

/// A 520 × 480 scatter of `points` in `color` over `x` × `y`, above a grey `guide` line.
fn scatter(
    title: &str,
    (x_desc, y_desc): (&str, &str),
    (x, y): (std::ops::Range<f64>, std::ops::Range<f64>),
    guide: [(f64, f64); 2],
    points: impl Iterator<Item = (f64, f64)>,
    color: RGBColor,
) -> Result<String> {
    svg_chart(title, (520, 480), (40, 60), (x, y), |chart| {
        chart
            .configure_mesh()
            .light_line_style(RGBColor(0xee, 0xee, 0xee))
            .x_desc(x_desc)
            .y_desc(y_desc)
            .label_style((FONT, 13).into_font().color(&INK))
            .draw()
            .map_err(failed(title))?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                guide,
                GREY.stroke_width(1),
            )))
            .map_err(failed(title))?;
        chart
            .draw_series(points.map(|point| Circle::new(point, 3, color.mix(0.7).filled())))
            .map_err(failed(title))?;
        Ok(())
    })
}

/// Horizontal bars, one group of `series.len()` bars per label.
fn bars(
    title: &str,
    x_desc: &str,
    labels: &[String],
    series: &[(&str, RGBColor, Vec<Option<f64>>)],
    whiskers: Option<&[Option<f64>]>,
) -> Result<String> {
    let n = labels.len().max(1);
    let height = 70 + 26 * n as u32 * series.len().max(1) as u32;
    let (lo, hi) = span(
        series
            .iter()
            .flat_map(|(_, _, values)| values.iter().flatten().copied())
            .chain(
                whiskers
                    .into_iter()
                    .flatten()
                    .enumerate()
                    .filter_map(|(i, w)| {
                        let v = series.first().and_then(|s| s.2.get(i).copied().flatten())?;
                        Some(v + w.unwrap_or(0.0))
                    }),
            ),
    );
    let label_area = label_width(labels.iter().map(String::as_str));
    svg_chart(
        title,
        (WIDTH, height),
        (36, label_area),
        (lo..hi, segments(n)),
        |chart| {
            chart
                .configure_mesh()
                .disable_y_mesh()
                .light_line_style(RGBColor(0xee, 0xee, 0xee))
                .x_desc(x_desc)
                .y_labels(n)
                .y_label_formatter(&|v| match v {
                    // Best first, from the top.
                    SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => row_label(labels, n, *i),
                    SegmentValue::Last => String::new(),
                })
                .label_style((FONT, 13).into_font().color(&INK))
                .draw()
                .map_err(failed(title))?;
            // Each label's segment, in pixels, split evenly between the series' bars.
            let segment = chart.plotting_area().dim_in_pixel().1 / n as u32;
            let count = series.len() as u32;
            let bar = segment.saturating_sub(8) / count.max(1);
            for (k, (name, color, values)) in series.iter().enumerate() {
                let color = *color;
                let k = k as u32;
                let rects = values.iter().enumerate().filter_map(move |(i, v)| {
                    let v = (*v)?;
                    let row = (n - 1 - i) as i32;
                    let top = 4 + k * bar;
                    let bottom = 4 + (count - 1 - k) * bar;
                    let mut bar = Rectangle::new(
                        [
                            (0.0f64.min(v), SegmentValue::Exact(row)),
                            (0.0f64.max(v), SegmentValue::Exact(row + 1)),
                        ],
                        color.filled(),
                    );
                    bar.set_margin(top, bottom, 0, 0);
                    Some(bar)
                });
                // The page draws the legend (html.rs): nothing overlaps the bars.
                let _ = name;
                chart.draw_series(rects).map_err(failed(title))?;
            }
            if let (Some(whiskers), Some((_, _, values))) = (whiskers, series.first()) {
                let lines = values
                    .iter()
                    .zip(whiskers)
                    .enumerate()
                    .filter_map(|(i, (v, w))| {
                        let (v, w) = ((*v)?, (*w)?);
                        let row = (n - 1 - i) as i32;
                        Some(PathElement::new(
                            [
                                (v - w, SegmentValue::CenterOf(row)),
                                (v + w, SegmentValue::CenterOf(row)),
                            ],
                            INK.stroke_width(1),
                        ))
                    });
                chart.draw_series(lines).map_err(failed(title))?;
            }
            Ok(())
        },
    )
}

/// Test and validation score of every model, best first.
pub(crate) fn leaderboard(rows: &[LeaderboardRow], metric: &str) -> Result<String> {
    let labels: Vec<String> = rows.iter().map(|r| r.model.clone()).collect();
    let mut series = vec![];
    if rows.iter().any(|r| r.score_test.is_some()) {
        series.push(("test", BLUE, rows.iter().map(|r| r.score_test).collect()));
    }
    series.push((
        "validation",
        ORANGE,
        rows.iter().map(|r| r.score_val).collect(),
    ));
    bars(
        "Models by score",
        &format!("{metric} (higher is better; losses are negative)"),
        &labels,
        &series,
        None,
    )
}

/// Permutation importance on the test set, with ± one standard deviation.
pub(crate) fn importance(rows: &[Importance]) -> Result<String> {
    let labels: Vec<String> = rows.iter().map(|r| r.feature.clone()).collect();
    let values = rows.iter().map(|r| Some(r.importance)).collect();
    let stddev: Vec<Option<f64>> = rows.iter().map(|r| r.stddev).collect();
    bars(
        "Feature importance",
        "drop in the test score when the feature is shuffled",
        &labels,
        &[("importance", GREEN, values)],
        Some(&stddev),
    )
}

/// Counts of (actual, predicted) over the test set; `classes` in the model's order.
pub(crate) fn confusion(predictions: &Predictions, classes: &[String]) -> Result<String> {
    let n = classes.len().max(1);
    let mut counts = vec![vec![0u64; n]; n];
    for (a, p) in predictions.actual.iter().zip(&predictions.predicted) {
        if let (Some(i), Some(j)) = (
            classes.iter().position(|c| c == a),
            classes.iter().position(|c| c == p),
        ) {
            counts[i][j] += 1;
        }
    }
    let max = counts.iter().flatten().copied().max().unwrap_or(1).max(1);
    let cell = (480 / n as u32).clamp(40, 110);
    let left = label_width(classes.iter().map(String::as_str));
    let (width, height) = (left + cell * n as u32 + 60, cell * n as u32 + 120);
    let title = "Confusion matrix (test set)";
    svg_chart(
        title,
        (width, height),
        (44, left),
        (segments(n), segments(n)),
        |chart| {
            let name = |v: &SegmentValue<i32>, flip: bool| match v {
                SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => {
                    if flip {
                        row_label(classes, n, *i)
                    } else {
                        classes.get(*i as usize).cloned().unwrap_or_default()
                    }
                }
                SegmentValue::Last => String::new(),
            };
            chart
                .configure_mesh()
                .disable_mesh()
                .x_desc("predicted")
                .y_desc("actual")
                .x_labels(n)
                .y_labels(n)
                .x_label_formatter(&|v| name(v, false))
                .y_label_formatter(&|v| name(v, true))
                .label_style((FONT, 13).into_font().color(&INK))
                .draw()
                .map_err(failed(title))?;
            let cells = (0..n).flat_map(|i| (0..n).map(move |j| (i, j)));
            chart
                .draw_series(cells.clone().map(|(i, j)| {
                    let share = counts[i][j] as f64 / max as f64;
                    let base = if i == j { BLUE } else { RED };
                    let color = if counts[i][j] == 0 {
                        RGBColor(0xf7, 0xf7, 0xf7)
                    } else {
                        base
                    };
                    let row = (n - 1 - i) as i32;
                    let mut rect = Rectangle::new(
                        [
                            (SegmentValue::Exact(j as i32), SegmentValue::Exact(row)),
                            (
                                SegmentValue::Exact(j as i32 + 1),
                                SegmentValue::Exact(row + 1),
                            ),
                        ],
                        color
                            .mix(if counts[i][j] == 0 {
                                1.0
                            } else {
                                0.25 + 0.75 * share
                            })
                            .filled(),
                    );
                    rect.set_margin(1, 1, 1, 1);
                    rect
                }))
                .map_err(failed(title))?;
            chart
                .draw_series(cells.map(|(i, j)| {
                    let row = (n - 1 - i) as i32;
                    let dark = counts[i][j] as f64 / max as f64 > 0.5;
                    Text::new(
                        counts[i][j].to_string(),
                        (
                            SegmentValue::CenterOf(j as i32),
                            SegmentValue::CenterOf(row),
                        ),
                        (FONT, 15)
                            .into_font()
                            .color(if dark { &WHITE } else { &INK })
                            .pos(plotters::style::text_anchor::Pos::new(
                                plotters::style::text_anchor::HPos::Center,
                                plotters::style::text_anchor::VPos::Center,
                            )),
                    )
                }))
                .map_err(failed(title))?;
            Ok(())
        },
    )
}

/// Regression: predicted against actual (with the diagonal), and residuals against
/// predicted (with zero). Rows whose values are not numbers are left out.
pub(crate) fn regression(predictions: &Predictions) -> Result<(String, String)> {
    let points: Vec<(f64, f64)> = predictions
        .actual
        .iter()
        .zip(&predictions.predicted)
        .filter_map(|(a, p)| Some((a.parse::<f64>().ok()?, p.parse::<f64>().ok()?)))
        .filter(|(a, p)| a.is_finite() && p.is_finite())
        .collect();
    let (lo, hi) = points
        .iter()
        .flat_map(|(a, p)| [*a, *p])
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    let (lo, hi) = if lo.is_finite() {
        (lo, hi.max(lo + 1e-9))
    } else {
        (0.0, 1.0)
    };
    let pad = (hi - lo) * 0.05;
    let (lo, hi) = (lo - pad, hi + pad);

    let against = scatter(
        "Predicted against actual (test set)",
        ("actual", "predicted"),
        (lo..hi, lo..hi),
        [(lo, lo), (hi, hi)],
        points.iter().copied(),
        BLUE,
    )?;

    let residual = |(a, p): &(f64, f64)| a - p;
    let limit = points
        .iter()
        .map(|p| residual(p).abs())
        .fold(0.0f64, f64::max)
        .max(1e-9)
        * 1.1;
    let residuals = scatter(
        "Residuals (actual − predicted)",
        ("predicted", "residual"),
        (lo..hi, -limit..limit),
        [(lo, 0.0), (hi, 0.0)],
        points.iter().map(|point| (point.1, residual(point))),
        ORANGE,
    )?;
    Ok((against, residuals))
}

/// Each state as a bar from its start to its end, nested executions indented.
pub(crate) fn timeline(steps: &[Step], origin: f64, now: f64) -> Result<String> {
    let labels: Vec<String> = steps
        .iter()
        .map(|s| format!("{}{} › {}", "  ".repeat(s.depth), s.machine, s.state))
        .collect();
    let n = steps.len().max(1);
    let end = steps
        .iter()
        .map(|s| s.started + s.seconds.unwrap_or((now - s.started).max(0.0)) - origin)
        .fold(1.0f64, f64::max);
    let title = "Timeline";
    svg_chart(
        title,
        (WIDTH, 70 + 22 * n as u32),
        (36, label_width(labels.iter().map(String::as_str))),
        (0.0..end * 1.02, segments(n)),
        |chart| {
            chart
                .configure_mesh()
                .disable_y_mesh()
                .light_line_style(RGBColor(0xee, 0xee, 0xee))
                .x_desc("seconds since the execution started")
                .y_labels(n)
                .y_label_formatter(&|v| match v {
                    SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => row_label(&labels, n, *i),
                    SegmentValue::Last => String::new(),
                })
                .label_style((FONT, 12).into_font().color(&INK))
                .draw()
                .map_err(failed(title))?;
            chart
                .draw_series(steps.iter().enumerate().map(|(i, s)| {
                    let row = (n - 1 - i) as i32;
                    let start = s.started - origin;
                    let length = s.seconds.unwrap_or((now - s.started).max(0.0));
                    // Instant states still get a visible sliver.
                    let stop = start + length.max(end * 0.004);
                    let color = match s.outcome {
                        StepOutcome::Succeeded => BLUE,
                        StepOutcome::Failed => RED,
                        StepOutcome::Running => ORANGE,
                    };
                    let mut bar = Rectangle::new(
                        [
                            (start, SegmentValue::Exact(row)),
                            (stop, SegmentValue::Exact(row + 1)),
                        ],
                        color.filled(),
                    );
                    bar.set_margin(3, 3, 0, 0);
                    bar
                }))
                .map_err(failed(title))?;
            Ok(())
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(model: &str, test: f64, val: f64) -> LeaderboardRow {
        LeaderboardRow {
            model: model.into(),
            score_test: Some(test),
            score_val: Some(val),
            eval_metric: None,
            fit_time: None,
            pred_time_test: None,
            stack_level: None,
            model_type: None,
        }
    }

    #[test]
    fn charts_are_svg_with_their_labels() {
        let svg = leaderboard(
            &[row("LightGBM", 0.9, 0.95), row("RandomForest", -0.2, 0.5)],
            "accuracy",
        )
        .unwrap();
        assert!(
            svg.starts_with("<svg") && svg.contains("LightGBM") && svg.contains("RandomForest")
        );
        assert!(svg.matches("<rect").count() >= 4, "{svg}");
        let predictions = Predictions {
            actual: vec!["a".into(), "b".into(), "b".into()],
            predicted: vec!["a".into(), "a".into(), "b".into()],
        };
        let svg = confusion(&predictions, &["a".into(), "b".into()]).unwrap();
        assert!(
            svg.contains(">\n1\n</text>") || svg.contains(">1</text>"),
            "{svg}"
        );
        let numbers = Predictions {
            actual: vec!["1.5".into(), "2".into(), "x".into()],
            predicted: vec!["1.0".into(), "2.5".into(), "3".into()],
        };
        let (scatter, residuals) = regression(&numbers).unwrap();
        assert_eq!(scatter.matches("<circle").count(), 2);
        assert_eq!(residuals.matches("<circle").count(), 2);
    }
}
