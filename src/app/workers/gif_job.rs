//! GIF export, chunk by chunk, cancellable.

use super::super::jobs::{FileOp, GifRequest, WorkerEvent};
use super::super::state::DialogPurpose;
use super::{EventSender, native_dialog};
use crate::job::{Job, JobError, Progress, Runner};
use crate::render::{GifExporter, GifOptions};
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::channel;
use std::time::Duration;

/// GIF export: the dialog (unless a path is given), then one chunk of frames per step.
pub(crate) struct GifJob {
    request: GifRequest,
    sender: EventSender,
    exporter: Option<GifExporter>,
}

impl GifJob {
    /// The job for `request`, sending to `sender`.
    pub(crate) fn new(request: GifRequest, sender: EventSender) -> Self {
        Self {
            request,
            sender,
            exporter: None,
        }
    }

    /// Ok(None) while frames remain, Ok(Some(event)) at the end (saved, or dialog cancelled).
    fn advance(&mut self) -> Result<Option<WorkerEvent>, JobError> {
        let exporter = match &mut self.exporter {
            Some(exporter) => exporter,
            None => {
                let options = GifOptions {
                    look: self.request.look,
                    ..GifOptions::default()
                };
                // In the browser the GIF is made in memory and downloaded.
                if cfg!(target_arch = "wasm32") && self.request.path.is_none() {
                    let name = Path::new(DialogPurpose::ExportGif.default_file_name());
                    self.sender.send(WorkerEvent::GifProgress(0.0));
                    let exporter = GifExporter::in_memory(name, &self.request.animation, &options)?;
                    self.exporter.insert(exporter)
                } else {
                    let path = match &self.request.path {
                        Some(path) => path.clone(),
                        None => match native_dialog(DialogPurpose::ExportGif) {
                            Ok(path) => path,
                            Err(event) => return Ok(Some(*event)),
                        },
                    };
                    self.sender.send(WorkerEvent::GifProgress(0.0));
                    self.exporter.insert(GifExporter::new(
                        &path,
                        &self.request.animation,
                        &options,
                    )?)
                }
            }
        };
        let report = exporter.step()?;
        let fraction = exporter.frames_done() as f64 / exporter.total_frames().max(1) as f64;
        self.sender.send(WorkerEvent::GifProgress(fraction));
        if let (Some(report), Some(bytes)) = (&report, exporter.take_bytes()) {
            let name = report.path.display().to_string();
            return Ok(Some(match super::super::platform::download(&name, bytes) {
                Ok(()) => WorkerEvent::Saved {
                    message: format!(
                        "downloaded {name} ({} frames, {} KB)",
                        report.frames,
                        report.bytes / 1024
                    ),
                },
                Err(reason) => WorkerEvent::FileFailed {
                    op: FileOp::Purpose(DialogPurpose::ExportGif),
                    error: JobError::Browser(format!("refused the download: {reason}")),
                },
            }));
        }
        Ok(report.map(|report| WorkerEvent::Saved {
            message: format!(
                "wrote {} frames ({} KB) to {}",
                report.frames,
                report.bytes / 1024,
                report.path.display()
            ),
        }))
    }
}

impl Job<()> for GifJob {
    fn name(&self) -> &'static str {
        "GIF export"
    }

    fn step(&mut self, _context: &mut (), _budget: Duration) -> Progress {
        match self.advance() {
            Ok(None) => Progress::Running(None),
            Ok(Some(event)) => {
                self.sender.send(event);
                Progress::Finished
            }
            Err(error) => {
                self.stop(error);
                Progress::Finished
            }
        }
    }

    fn stop(&mut self, reason: JobError) {
        // Dropping the exporter removes its temporary file; the destination is untouched.
        self.exporter = None;
        self.sender.send(WorkerEvent::FileFailed {
            op: FileOp::Purpose(DialogPurpose::ExportGif),
            error: reason,
        });
    }
}

/// Runs a GIF request to the end on the calling thread (tests and tools: no dialog when the
/// request has a path) and returns the last event; `progress` sees every fraction.
pub fn export_gif_now(request: GifRequest, progress: &mut dyn FnMut(f64)) -> WorkerEvent {
    let (events_tx, events) = channel();
    let sender = EventSender::new(events_tx, Arc::new(|| {}));
    let cancel = request.cancel.clone();
    let mut runner = Runner::new(());
    runner.submit(Box::new(GifJob::new(request, sender)), cancel);
    let mut last = WorkerEvent::DialogCancelled;
    while !runner.is_idle() {
        runner.step_next(Duration::from_millis(20));
        for event in events.try_iter() {
            match event {
                WorkerEvent::GifProgress(fraction) => progress(fraction),
                other => last = other,
            }
        }
    }
    last
}
