//! The drawn target: a point set painted with a brush, erased, cleared, with undo per stroke,
//! and draw mode with its brush and the stroke in progress ([`Drawing`], with its own
//! [`DrawCommand`]s). Plain Rust, no egui: the plot view turns pointer input into commands.
//! The drawing slice: it sends the timeline a pause when draw mode starts and the inputs the
//! drawn target when its points change.

pub(crate) mod ui;

use super::InputCommand;
use crate::Point;
use crate::app::state::context::Context;
use crate::app::state::playback::PlaybackCommand;
use crate::data::{SeededRng, seeded_rng};
use rand::RngExt;

/// The most undo snapshots kept (older ones are dropped).
const MAX_UNDO: usize = 64;

/// The brush of draw mode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Brush {
    /// Radius of the brush disc, in plot units.
    pub radius: f64,
    /// Points added per dab (one dab per pointer move of half a radius).
    pub density: usize,
}

impl Default for Brush {
    fn default() -> Self {
        Self {
            radius: 0.3,
            density: 8,
        }
    }
}

/// A drawn point set with an undo stack (one entry per stroke, clear or load).
#[derive(Debug, Clone, Default)]
pub struct DrawnPoints {
    points: Vec<Point>,
    undo_stack: Vec<Vec<Point>>,
}

impl DrawnPoints {
    /// The drawn points.
    pub fn points(&self) -> &[Point] {
        &self.points
    }

    /// Whether nothing is drawn.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// How many undo steps are available.
    pub fn undo_depth(&self) -> usize {
        self.undo_stack.len()
    }

    /// Remembers the current points so that [`DrawnPoints::undo`] can return to them; call at
    /// the start of every stroke, clear or replacement.
    fn checkpoint(&mut self) {
        if self.undo_stack.len() == MAX_UNDO {
            self.undo_stack.remove(0);
        }
        self.undo_stack.push(self.points.clone());
    }

    /// Adds `brush.density` points drawn uniformly from the disc of `brush.radius` around `center`.
    fn paint(&mut self, center: Point, brush: Brush, rng: &mut SeededRng) {
        if !(center[0].is_finite() && center[1].is_finite()) {
            return;
        }
        let radius = brush.radius.max(0.0);
        for _ in 0..brush.density {
            let r = radius * rng.random::<f64>().sqrt();
            let angle = std::f64::consts::TAU * rng.random::<f64>();
            self.points
                .push([center[0] + r * angle.cos(), center[1] + r * angle.sin()]);
        }
    }

    /// Removes every point within `radius` of `center`; returns how many were removed.
    fn erase(&mut self, center: Point, radius: f64) -> usize {
        let before = self.points.len();
        let radius_sq = radius * radius;
        self.points.retain(|p| {
            let dx = p[0] - center[0];
            let dy = p[1] - center[1];
            dx * dx + dy * dy > radius_sq
        });
        before - self.points.len()
    }

    /// Removes every point (undoable).
    fn clear(&mut self) {
        self.checkpoint();
        self.points.clear();
    }

    /// Replaces the points (undoable), e.g. with a loaded CSV file.
    fn replace(&mut self, points: Vec<Point>) {
        self.checkpoint();
        self.points = points;
    }

    /// Returns to the state before the last stroke, clear or replacement; false when there is
    /// nothing to undo.
    fn undo(&mut self) -> bool {
        match self.undo_stack.pop() {
            Some(points) => {
                self.points = points;
                true
            }
            None => false,
        }
    }

    /// Drops the last checkpoint if the points did not change since it was taken (an empty
    /// stroke should not cost an undo step).
    fn drop_unchanged_checkpoint(&mut self) {
        if self
            .undo_stack
            .last()
            .is_some_and(|last| *last == self.points)
        {
            self.undo_stack.pop();
        }
    }
}

/// What the user does in draw mode.
#[derive(Debug, Clone, PartialEq)]
pub enum DrawCommand {
    /// Draw mode on or off.
    SetDrawMode(bool),
    /// Erase instead of paint.
    SetEraser(bool),
    /// Brush radius and density.
    SetBrush(Brush),
    /// The pointer went down on the plot.
    BeginStroke,
    /// The pointer is at this plot position during a stroke (a dab is made once the pointer
    /// moved half a brush radius from the last one).
    StrokeAt(Point),
    /// The pointer was released.
    EndStroke,
    /// Remove every drawn point (undoable).
    ClearDrawn,
    /// Undo the last stroke, clear or load.
    UndoDrawn,
    /// Replace the drawn points with a loaded set (a CSV file, a scene's points; undoable).
    LoadPoints(Vec<Point>),
}

/// A stroke in progress.
#[derive(Debug, Clone, Copy, Default)]
struct Stroke {
    /// Whether the stroke changed the points.
    changed: bool,
    /// Where the brush last dabbed.
    last_dab: Option<Point>,
}

/// Draw mode: the drawn points, the brush, eraser, and the stroke in progress.
#[derive(Debug, Clone)]
pub struct Drawing {
    points: DrawnPoints,
    mode: bool,
    eraser: bool,
    brush: Brush,
    stroke: Option<Stroke>,
    brush_rng: SeededRng,
}

impl Default for Drawing {
    fn default() -> Self {
        Self {
            points: DrawnPoints::default(),
            mode: false,
            eraser: false,
            brush: Brush::default(),
            stroke: None,
            brush_rng: seeded_rng(0xb405),
        }
    }
}

impl Drawing {
    /// The drawn points.
    pub fn drawn(&self) -> &DrawnPoints {
        &self.points
    }

    /// Whether pointer drags on the plot paint.
    pub fn mode(&self) -> bool {
        self.mode
    }

    /// Whether strokes erase.
    pub(crate) fn eraser(&self) -> bool {
        self.eraser
    }

    /// The brush.
    pub fn brush(&self) -> Brush {
        self.brush
    }

    /// Whether a stroke is in progress.
    pub(crate) fn stroking(&self) -> bool {
        self.stroke.is_some()
    }

    /// Handles a draw command: draw mode pauses the timeline, and changed points make the
    /// drawn target the target.
    pub(crate) fn handle(&mut self, command: DrawCommand, context: &mut Context) {
        if command == DrawCommand::SetDrawMode(true) {
            context.send(PlaybackCommand::Pause);
        }
        if self.apply(command) {
            context.send(InputCommand::UseDrawnTarget);
        }
    }

    /// Applies one command; returns whether the drawn points changed (a stroke counts once,
    /// when it ends).
    pub(crate) fn apply(&mut self, command: DrawCommand) -> bool {
        match command {
            DrawCommand::SetDrawMode(on) => self.mode = on,
            DrawCommand::SetEraser(on) => self.eraser = on,
            DrawCommand::SetBrush(brush) => {
                self.brush = Brush {
                    radius: brush.radius.clamp(0.01, 5.0),
                    density: brush.density.clamp(1, 200),
                };
            }
            DrawCommand::BeginStroke => {
                self.points.checkpoint();
                self.stroke = Some(Stroke::default());
            }
            DrawCommand::StrokeAt(center) => self.dab(center),
            DrawCommand::EndStroke => {
                self.points.drop_unchanged_checkpoint();
                return self.stroke.take().is_some_and(|stroke| stroke.changed);
            }
            DrawCommand::ClearDrawn => {
                self.points.clear();
                return true;
            }
            DrawCommand::UndoDrawn => return self.points.undo(),
            DrawCommand::LoadPoints(points) => {
                self.points.replace(points);
                return true;
            }
        }
        false
    }

    /// A dab at `center` once the pointer moved half a radius from the last one.
    fn dab(&mut self, center: Point) {
        let Some(stroke) = self.stroke.as_mut() else {
            return;
        };
        let spacing = self.brush.radius * 0.5;
        let due = stroke
            .last_dab
            .is_none_or(|last| (center[0] - last[0]).hypot(center[1] - last[1]) >= spacing);
        if !due {
            return;
        }
        stroke.last_dab = Some(center);
        if self.eraser {
            if self.points.erase(center, self.brush.radius) > 0 {
                stroke.changed = true;
            }
        } else {
            self.points.paint(center, self.brush, &mut self.brush_rng);
            stroke.changed = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paint_adds_density_points_inside_the_brush() {
        let mut drawn = DrawnPoints::default();
        let mut rng = seeded_rng(1);
        let brush = Brush {
            radius: 0.5,
            density: 20,
        };
        drawn.paint([1.0, -2.0], brush, &mut rng);
        assert_eq!(drawn.points().len(), 20);
        for p in drawn.points() {
            let d = ((p[0] - 1.0).powi(2) + (p[1] + 2.0).powi(2)).sqrt();
            assert!(d <= 0.5 + 1e-12, "point {p:?} outside the brush");
        }
    }

    #[test]
    fn erase_removes_only_points_within_the_radius() {
        let mut drawn = DrawnPoints::default();
        drawn.replace(vec![[0.0, 0.0], [0.1, 0.0], [2.0, 2.0]]);
        assert_eq!(drawn.erase([0.0, 0.0], 0.5), 2);
        assert_eq!(drawn.points(), &[[2.0, 2.0]]);
    }

    #[test]
    fn undo_restores_each_stroke_in_turn() {
        let mut drawn = DrawnPoints::default();
        let mut rng = seeded_rng(2);
        let brush = Brush::default();
        drawn.checkpoint();
        drawn.paint([0.0, 0.0], brush, &mut rng);
        let after_first = drawn.points().to_vec();
        drawn.checkpoint();
        drawn.paint([3.0, 3.0], brush, &mut rng);
        drawn.clear();
        assert!(drawn.is_empty());
        assert!(drawn.undo());
        assert_eq!(drawn.points().len(), 2 * brush.density);
        assert!(drawn.undo());
        assert_eq!(drawn.points(), after_first.as_slice());
        assert!(drawn.undo());
        assert!(drawn.is_empty());
        assert!(!drawn.undo());
    }

    #[test]
    fn an_empty_stroke_costs_no_undo_step() {
        let mut drawn = DrawnPoints::default();
        drawn.checkpoint();
        drawn.drop_unchanged_checkpoint();
        assert_eq!(drawn.undo_depth(), 0);
    }

    #[test]
    fn non_finite_centres_are_ignored() {
        let mut drawn = DrawnPoints::default();
        drawn.paint([f64::NAN, 0.0], Brush::default(), &mut seeded_rng(3));
        assert!(drawn.is_empty());
    }

    #[test]
    fn a_stroke_dabs_every_half_radius_and_counts_once() {
        let mut drawing = Drawing::default();
        assert!(!drawing.apply(DrawCommand::SetDrawMode(true)));
        drawing.apply(DrawCommand::BeginStroke);
        assert!(drawing.stroking());
        drawing.apply(DrawCommand::StrokeAt([0.0, 0.0]));
        let after_one = drawing.drawn().points().len();
        assert_eq!(after_one, Brush::default().density);
        // Closer than half a radius to the last dab: no new dab.
        drawing.apply(DrawCommand::StrokeAt([0.1, 0.0]));
        assert_eq!(drawing.drawn().points().len(), after_one);
        drawing.apply(DrawCommand::StrokeAt([0.2, 0.0]));
        assert_eq!(drawing.drawn().points().len(), 2 * after_one);
        assert!(
            drawing.apply(DrawCommand::EndStroke),
            "the stroke changed the points"
        );
        assert!(!drawing.stroking());
        // A stroke that changes nothing leaves no undo step and reports no change.
        drawing.apply(DrawCommand::SetEraser(true));
        drawing.apply(DrawCommand::BeginStroke);
        drawing.apply(DrawCommand::StrokeAt([9.0, 9.0]));
        assert!(!drawing.apply(DrawCommand::EndStroke));
        assert_eq!(drawing.drawn().undo_depth(), 1);
        assert!(drawing.apply(DrawCommand::UndoDrawn));
        assert!(drawing.drawn().is_empty());
    }
}
