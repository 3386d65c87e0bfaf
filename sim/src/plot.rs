//! Plots as SVG with plotters (no system fonts needed: the SVG backend writes text elements).
//!
//! - `prices.svg`: per strategy, the fair price, the pool price, and the sales: Dutch takes,
//!   sampled Dutch auction prices, batch clearing prices, dumps.
//! - `outcomes.svg`: recovery rate and losses per strategy.
//! - `sweep.svg`: a heatmap of a two-parameter sweep.

use std::path::Path;

use plotters::prelude::*;

use crate::report::{Dimension, Report, SweepPoint};
use crate::run::Outcome;

type Result<T> = std::result::Result<T, String>;

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("plot: {e:?}")
}

const STRATEGY_COLORS: [RGBColor; 4] = [
    RGBColor(120, 120, 120),
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
];

fn color_of(name: &str) -> RGBColor {
    match name {
        "dump" => STRATEGY_COLORS[0],
        "dutch" => STRATEGY_COLORS[1],
        "batch" => STRATEGY_COLORS[2],
        _ => STRATEGY_COLORS[3],
    }
}

/// Price paths with auction prices and sales over time, one panel per strategy.
pub fn prices(report: &Report, path: &Path) -> Result<()> {
    let n = report.outcomes.len().max(1);
    let root = SVGBackend::new(path, (1100, 300 * n as u32)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let panels = root.split_evenly((n, 1));
    let start = report.config.path.at(0);
    for (panel, o) in panels.iter().zip(&report.outcomes) {
        let hours = o.simulated_seconds.max(3_600) as f64 / 3_600.0;
        let mut low = report.config.path.min();
        let mut high = start;
        for s in &o.samples {
            low = low.min(s.pool);
            high = high.max(s.pool);
        }
        for s in &o.sales {
            low = low.min(s.price);
            high = high.max(s.price);
        }
        for (_, p) in &o.auction_prices {
            high = high.max(*p);
        }
        let (low, high) = (low * 0.95, high * 1.03);
        let title = format!(
            "{} — recovery {:.1}%, bad debt {:.0}, lenders lose {:.0}",
            o.strategy,
            o.recovery * 100.0,
            o.bad_debt,
            o.lender_loss
        );
        let mut chart = ChartBuilder::on(panel)
            .caption(title, ("sans-serif", 18))
            .margin(8)
            .x_label_area_size(30)
            .y_label_area_size(60)
            .build_cartesian_2d(0f64..hours, low..high)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("hours")
            .y_desc("DAI per WETH")
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(err)?;
        let h = |t: u64| t as f64 / 3_600.0;
        let fair: Vec<(f64, f64)> = o.samples.iter().map(|s| (h(s.t), s.fair)).collect();
        let pool: Vec<(f64, f64)> = o.samples.iter().map(|s| (h(s.t), s.pool)).collect();
        chart
            .draw_series(LineSeries::new(fair, BLACK.stroke_width(2)))
            .map_err(err)?
            .label("fair price (oracle)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLACK.stroke_width(2)));
        let orange = RGBColor(255, 127, 14);
        chart
            .draw_series(LineSeries::new(pool, orange.stroke_width(1)))
            .map_err(err)?
            .label("pool price")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], orange));
        let grey = RGBColor(160, 160, 200);
        if !o.auction_prices.is_empty() {
            chart
                .draw_series(
                    o.auction_prices
                        .iter()
                        .map(|(t, p)| Circle::new((h(*t), *p), 1, grey.filled())),
                )
                .map_err(err)?
                .label("Dutch auction price (sampled)")
                .legend(move |(x, y)| Circle::new((x + 9, y), 2, grey.filled()));
        }
        let color = color_of(&o.strategy);
        for (kind, label) in [
            (0u8, "dump into pool"),
            (1, "Dutch take"),
            (2, "batch clearing"),
        ] {
            let points: Vec<(f64, f64)> = o
                .sales
                .iter()
                .filter(|s| s.kind == kind)
                .map(|s| (h(s.t), s.price))
                .collect();
            if points.is_empty() {
                continue;
            }
            let size = if kind == 2 { 5 } else { 3 };
            chart
                .draw_series(
                    points
                        .iter()
                        .map(move |p| TriangleMarker::new(*p, size, color.filled())),
                )
                .map_err(err)?
                .label(label)
                .legend(move |(x, y)| TriangleMarker::new((x + 9, y), 4, color.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(err)?;
    }
    root.present().map_err(err)?;
    Ok(())
}

/// Recovery rate and losses per strategy, side by side.
pub fn outcomes(report: &Report, path: &Path) -> Result<()> {
    let root = SVGBackend::new(path, (1100, 420)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let (left, right) = root.split_horizontally(520);
    let os: &[Outcome] = &report.outcomes;
    let n = os.len();
    let names: Vec<String> = os.iter().map(|o| o.strategy.clone()).collect();
    let label = |v: &f64| -> String {
        let i = v.floor() as usize;
        if (v - v.floor() - 0.5).abs() < 0.01 && i < names.len() {
            names[i].clone()
        } else {
            String::new()
        }
    };
    // Recovery.
    let low = os.iter().map(|o| o.recovery).fold(1.0f64, f64::min);
    let high = os.iter().map(|o| o.recovery).fold(0.0f64, f64::max);
    let (low, high) = (
        ((low - 0.05) * 100.0).floor().max(0.0),
        ((high + 0.03) * 100.0).ceil(),
    );
    let mut chart = ChartBuilder::on(&left)
        .caption(
            format!("recovery rate — {}", report.config.path.name),
            ("sans-serif", 18),
        )
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(50)
        .build_cartesian_2d(0f64..n as f64, low..high)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n * 2 + 1)
        .x_label_formatter(&label)
        .y_desc("% of fair value at kick")
        .draw()
        .map_err(err)?;
    chart
        .draw_series(os.iter().enumerate().map(|(i, o)| {
            let c = color_of(&o.strategy);
            Rectangle::new(
                [
                    (i as f64 + 0.15, low),
                    (i as f64 + 0.85, o.recovery * 100.0),
                ],
                c.filled(),
            )
        }))
        .map_err(err)?;
    // Losses (stacked: covered by the fund, socialized, stuck).
    let top = os
        .iter()
        .map(|o| o.bad_debt.max(o.covered + o.lender_loss) + o.stuck_debt)
        .fold(1.0f64, f64::max)
        * 1.1;
    let mut chart = ChartBuilder::on(&right)
        .caption(
            "bad debt: covered by the fund / socialized / still open",
            ("sans-serif", 18),
        )
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..n as f64, 0f64..top)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n * 2 + 1)
        .x_label_formatter(&label)
        .y_desc("DAI")
        .draw()
        .map_err(err)?;
    let fund_color = RGBColor(255, 187, 120);
    let social_color = RGBColor(214, 39, 40);
    let stuck_color = RGBColor(148, 103, 189);
    for (i, o) in os.iter().enumerate() {
        let x0 = i as f64 + 0.2;
        let x1 = i as f64 + 0.8;
        let covered = (o.bad_debt - o.lender_loss)
            .max(0.0)
            .min(o.covered.max(o.bad_debt - o.lender_loss));
        let parts = [
            (covered, fund_color),
            (o.lender_loss, social_color),
            (o.stuck_debt, stuck_color),
        ];
        let mut base = 0.0;
        for (amount, color) in parts {
            if amount > 0.0 {
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x0, base), (x1, base + amount)],
                        color.filled(),
                    )))
                    .map_err(err)?;
                base += amount;
            }
        }
    }
    for (label, color) in [
        ("covered by fund", fund_color),
        ("socialized", social_color),
        ("still open", stuck_color),
    ] {
        chart
            .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())
            .map_err(err)?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;
    root.present().map_err(err)?;
    Ok(())
}

/// The score a sweep heatmap shows: lenders' loss plus debt still open (lower is better).
pub fn sweep_score(o: &Outcome) -> f64 {
    o.lender_loss + o.stuck_debt
}

/// A heatmap of a sweep over two dimensions (the first two; others at their first value).
/// Each cell shows the recovery rate, and its colour the lenders' loss plus open debt.
pub fn sweep_heatmap(
    points: &[SweepPoint],
    dims: &[Dimension],
    title: &str,
    path: &Path,
) -> Result<()> {
    if dims.len() < 2 {
        return Err("a heatmap needs two swept parameters".into());
    }
    let (xs, ys) = (&dims[0].values, &dims[1].values);
    let root = SVGBackend::new(path, (900, 640)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let cell = |i: usize, j: usize| -> Option<&SweepPoint> {
        points.iter().find(|p| {
            p.values[0] == xs[i]
                && p.values[1] == ys[j]
                && dims
                    .iter()
                    .enumerate()
                    .skip(2)
                    .all(|(k, d)| p.values[k] == d.values[0])
        })
    };
    let scores: Vec<f64> = points.iter().map(|p| sweep_score(&p.outcome)).collect();
    let (min, max) = scores
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), s| {
            (a.min(*s), b.max(*s))
        });
    let best_recovery = points
        .iter()
        .map(|p| p.outcome.recovery)
        .fold(f64::NEG_INFINITY, f64::max);
    let worst_recovery = points
        .iter()
        .map(|p| p.outcome.recovery)
        .fold(f64::INFINITY, f64::min);
    let xs_label = xs.clone();
    let ys_label = ys.clone();
    let fx = move |v: &f64| -> String {
        let i = v.floor() as usize;
        if (v - v.floor() - 0.5).abs() < 0.01 && i < xs_label.len() {
            format!("{}", xs_label[i])
        } else {
            String::new()
        }
    };
    let fy = move |v: &f64| -> String {
        let i = v.floor() as usize;
        if (v - v.floor() - 0.5).abs() < 0.01 && i < ys_label.len() {
            format!("{}", ys_label[i])
        } else {
            String::new()
        }
    };
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..xs.len() as f64, 0f64..ys.len() as f64)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(xs.len() * 2 + 1)
        .y_labels(ys.len() * 2 + 1)
        .x_label_formatter(&fx)
        .y_label_formatter(&fy)
        .x_desc(dims[0].name.as_str())
        .y_desc(dims[1].name.as_str())
        .draw()
        .map_err(err)?;
    for i in 0..xs.len() {
        for j in 0..ys.len() {
            let Some(p) = cell(i, j) else { continue };
            let score = sweep_score(&p.outcome);
            // Colour by loss; when no point loses anything, by recovery (higher is better).
            let f = if max > min {
                (score - min) / (max - min)
            } else if best_recovery > worst_recovery {
                (best_recovery - p.outcome.recovery) / (best_recovery - worst_recovery)
            } else {
                0.0
            };
            // Green (best) to red (worst).
            let color = RGBColor((60.0 + 180.0 * f) as u8, (180.0 - 120.0 * f) as u8, 80);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(i as f64, j as f64), (i as f64 + 1.0, j as f64 + 1.0)],
                    color.filled(),
                )))
                .map_err(err)?;
            let text = format!("{:.1}% / {:.0}", p.outcome.recovery * 100.0, score);
            chart
                .draw_series(std::iter::once(Text::new(
                    text,
                    (i as f64 + 0.08, j as f64 + 0.55),
                    ("sans-serif", 13).into_font().color(&WHITE),
                )))
                .map_err(err)?;
        }
    }
    root.present().map_err(err)?;
    Ok(())
}
