//! Custom egui_plot items that draw straight from borrowed slices into one mesh each: per-point
//! colours (egui_plot's `Points` has one colour per item), thousands of arrows, and trails, with
//! no per-frame copies of the particle vectors.

use crate::Point;
use crate::flow::Frame;
use eframe::egui;
use egui::epaint::{Mesh, Vertex, WHITE_UV};
use egui::{Color32, Pos2, Rect, Shape, Ui, vec2};
use egui_plot::{PlotBounds, PlotGeometry, PlotItem, PlotItemBase, PlotPoint, PlotTransform};
use std::ops::RangeInclusive;

/// Unit hexagon used for every particle marker.
const HEXAGON: [[f32; 2]; 6] = [
    [1.0, 0.0],
    [0.5, 0.866_025_4],
    [-0.5, 0.866_025_4],
    [-1.0, 0.0],
    [-0.5, -0.866_025_4],
    [0.5, -0.866_025_4],
];

/// Builds one triangle mesh from markers, segments and arrow heads.
struct MeshBuilder {
    mesh: Mesh,
    clip: Rect,
}

impl MeshBuilder {
    fn new(clip: Rect, capacity_vertices: usize) -> Self {
        let mut mesh = Mesh::default();
        mesh.vertices.reserve(capacity_vertices);
        mesh.indices.reserve(capacity_vertices * 2);
        Self { mesh, clip }
    }

    fn vertex(&mut self, pos: Pos2, color: Color32) -> u32 {
        let index = self.mesh.vertices.len() as u32;
        self.mesh.vertices.push(Vertex {
            pos,
            uv: WHITE_UV,
            color,
        });
        index
    }

    fn disc(&mut self, center: Pos2, radius: f32, color: Color32) {
        if !self.clip.expand(radius).contains(center) {
            return;
        }
        let middle = self.vertex(center, color);
        for [x, y] in HEXAGON {
            self.vertex(center + vec2(x, y) * radius, color);
        }
        for k in 0..6u32 {
            let next = (k + 1) % 6;
            self.mesh
                .indices
                .extend_from_slice(&[middle, middle + 1 + k, middle + 1 + next]);
        }
    }

    fn segment(&mut self, a: Pos2, b: Pos2, width: f32, color: Color32) {
        let along = b - a;
        let length = along.length();
        if length.is_nan() || length <= 0.01 {
            return;
        }
        if !self.clip.intersects(Rect::from_two_pos(a, b)) {
            return;
        }
        let normal = vec2(-along.y, along.x) / length * (width * 0.5);
        let first = self.vertex(a + normal, color);
        self.vertex(a - normal, color);
        self.vertex(b - normal, color);
        self.vertex(b + normal, color);
        self.mesh.indices.extend_from_slice(&[
            first,
            first + 1,
            first + 2,
            first,
            first + 2,
            first + 3,
        ]);
    }

    fn arrow(&mut self, origin: Pos2, tip: Pos2, width: f32, color: Color32) {
        let along = tip - origin;
        let length = along.length();
        if length.is_nan() || length <= 0.5 {
            return;
        }
        let direction = along / length;
        let head = (length * 0.35).clamp(2.0, 7.0);
        let base = tip - direction * head;
        self.segment(origin, base, width, color);
        if !self.clip.contains(tip) {
            return;
        }
        let side = vec2(-direction.y, direction.x) * (head * 0.45);
        let first = self.vertex(tip, color);
        self.vertex(base + side, color);
        self.vertex(base - side, color);
        self.mesh
            .indices
            .extend_from_slice(&[first, first + 1, first + 2]);
    }

    fn finish(self, shapes: &mut Vec<Shape>) {
        if !self.mesh.indices.is_empty() {
            shapes.push(Shape::mesh(self.mesh));
        }
    }
}

fn finite(p: &Point) -> bool {
    p[0].is_finite() && p[1].is_finite()
}

fn screen(transform: &PlotTransform, p: &Point) -> Pos2 {
    transform.position_from_point(&PlotPoint::new(p[0], p[1]))
}

/// The color of an `[r, g, b]` triple.
pub(crate) fn rgb(color: [u8; 3]) -> Color32 {
    Color32::from_rgb(color[0], color[1], color[2])
}

macro_rules! plot_item_boilerplate {
    () => {
        fn initialize(&mut self, _x_range: RangeInclusive<f64>) {}

        fn color(&self) -> Color32 {
            self.color
        }

        fn allow_hover(&self) -> bool {
            false
        }

        fn geometry(&self) -> PlotGeometry<'_> {
            PlotGeometry::None
        }

        fn bounds(&self) -> PlotBounds {
            PlotBounds::NOTHING
        }

        fn base(&self) -> &PlotItemBase {
            &self.base
        }

        fn base_mut(&mut self) -> &mut PlotItemBase {
            &mut self.base
        }
    };
}

/// Points drawn as small hexagons, each in its own colour or all in one.
pub struct PointCloud<'a> {
    base: PlotItemBase,
    points: &'a [Point],
    colors: Option<&'a [[u8; 3]]>,
    color: Color32,
    radius: f32,
}

impl<'a> PointCloud<'a> {
    /// `points` in `color`, `radius` pixels.
    pub(crate) fn new(name: &str, points: &'a [Point], color: Color32, radius: f32) -> Self {
        let base = PlotItemBase::new(name.to_string());
        Self {
            base,
            points,
            colors: None,
            color,
            radius,
        }
    }

    /// One colour per point (ignored when its length differs from the points').
    pub(crate) fn colors(mut self, colors: &'a [[u8; 3]]) -> Self {
        if colors.len() == self.points.len() {
            self.colors = Some(colors);
        }
        self
    }
}

impl PlotItem for PointCloud<'_> {
    fn shapes(&self, _ui: &Ui, transform: &PlotTransform, shapes: &mut Vec<Shape>) {
        let mut builder = MeshBuilder::new(*transform.frame(), self.points.len() * 7);
        for (index, p) in self.points.iter().enumerate() {
            if !finite(p) {
                continue;
            }
            let color = self
                .colors
                .and_then(|colors| colors.get(index))
                .map_or(self.color, |&c| rgb(c));
            builder.disc(screen(transform, p), self.radius, color);
        }
        builder.finish(shapes);
    }

    plot_item_boilerplate!();
}

/// Arrows from `origins` along `vectors × scale`.
pub(crate) struct ArrowField<'a> {
    base: PlotItemBase,
    origins: &'a [Point],
    vectors: &'a [Point],
    scale: f64,
    color: Color32,
    width: f32,
}

impl<'a> ArrowField<'a> {
    /// Arrows in `color`, `width` pixels wide.
    pub(crate) fn new(
        name: &str,
        origins: &'a [Point],
        vectors: &'a [Point],
        scale: f64,
        color: Color32,
        width: f32,
    ) -> Self {
        let base = PlotItemBase::new(name.to_string());
        Self {
            base,
            origins,
            vectors,
            scale,
            color,
            width,
        }
    }
}

impl PlotItem for ArrowField<'_> {
    fn shapes(&self, _ui: &Ui, transform: &PlotTransform, shapes: &mut Vec<Shape>) {
        let mut builder = MeshBuilder::new(*transform.frame(), self.origins.len() * 7);
        for (origin, vector) in self.origins.iter().zip(self.vectors) {
            let tip = [
                origin[0] + self.scale * vector[0],
                origin[1] + self.scale * vector[1],
            ];
            if !(finite(origin) && finite(&tip)) {
                continue;
            }
            builder.arrow(
                screen(transform, origin),
                screen(transform, &tip),
                self.width,
                self.color,
            );
        }
        builder.finish(shapes);
    }

    plot_item_boilerplate!();
}

/// The paths of (a subsample of) the particles over the frames before the shown one.
pub(crate) struct Trails<'a> {
    base: PlotItemBase,
    frames: &'a [Frame],
    colors: Option<&'a [[u8; 3]]>,
    stride: usize,
    color: Color32,
}

impl<'a> Trails<'a> {
    /// Trails through `frames` (oldest first) of every `stride`-th particle.
    pub(crate) fn new(
        name: &str,
        frames: &'a [Frame],
        colors: Option<&'a [[u8; 3]]>,
        stride: usize,
        color: Color32,
    ) -> Self {
        let base = PlotItemBase::new(name.to_string());
        Self {
            base,
            frames,
            colors,
            stride: stride.max(1),
            color,
        }
    }
}

impl PlotItem for Trails<'_> {
    fn shapes(&self, _ui: &Ui, transform: &PlotTransform, shapes: &mut Vec<Shape>) {
        let Some(first) = self.frames.first() else {
            return;
        };
        let particles = first.len();
        let segments = self.frames.len().saturating_sub(1) * particles.div_ceil(self.stride);
        let mut builder = MeshBuilder::new(*transform.frame(), segments * 4);
        let count = self.frames.len();
        for (age, pair) in self.frames.windows(2).enumerate() {
            // Older segments fade out.
            let fade = (age + 1) as f32 / count as f32;
            for index in (0..particles).step_by(self.stride) {
                let (Some(a), Some(b)) = (pair[0].points().get(index), pair[1].points().get(index))
                else {
                    continue;
                };
                if !(finite(a) && finite(b)) {
                    continue;
                }
                let base = self
                    .colors
                    .and_then(|colors| colors.get(index))
                    .map_or(self.color, |&c| rgb(c));
                let color = base.gamma_multiply(0.15 + 0.45 * fade);
                builder.segment(screen(transform, a), screen(transform, b), 1.0, color);
            }
        }
        builder.finish(shapes);
    }

    plot_item_boilerplate!();
}

/// A circle outline at a plot position with a radius in plot units (the brush cursor).
pub(crate) fn brush_outline(
    transform: &PlotTransform,
    center: Point,
    radius: f64,
    color: Color32,
) -> Shape {
    let middle = screen(transform, &center);
    let edge = screen(transform, &[center[0] + radius, center[1]]);
    Shape::circle_stroke(middle, (edge.x - middle.x).abs(), (1.5, color))
}

/// A point in screen space for a plot position (for overlay text).
pub(crate) fn to_screen(transform: &PlotTransform, p: Point) -> Pos2 {
    screen(transform, &p)
}
