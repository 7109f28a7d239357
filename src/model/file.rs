//! The JSON model file: save (atomically, through a temporary file) and load (with version and
//! consistency checks).

use super::{FORMAT_VERSION, Method, ModelError, TrainedModel};
use std::io::Write;
use std::path::Path;

fn file_error(path: &Path, reason: impl std::fmt::Display) -> ModelError {
    ModelError::File {
        path: path.display().to_string(),
        reason: reason.to_string(),
    }
}

fn io_error(action: &'static str, path: &Path, source: std::io::Error) -> ModelError {
    ModelError::Io {
        action,
        path: path.display().to_string(),
        source,
    }
}

fn json_error(path: &Path, what: &'static str, source: serde_json::Error) -> ModelError {
    ModelError::Json {
        path: path.display().to_string(),
        what,
        source,
    }
}

impl TrainedModel {
    /// The model as a JSON string.
    pub fn to_json(&self) -> Result<String, ModelError> {
        serde_json::to_string(self).map_err(ModelError::Encode)
    }

    /// Parses a model from JSON; `origin` names the source in messages.
    pub fn from_json(text: &str, origin: &Path) -> Result<Self, ModelError> {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|error| json_error(origin, "not a valid model file", error))?;
        let version = value
            .get("format_version")
            .and_then(serde_json::Value::as_u64);
        match version {
            Some(v) if v == u64::from(FORMAT_VERSION) => {}
            // Version 1: a 2D model (no dimension, read as d = 2), or a d-dimensional one of the
            // former `WideModel` format (it had a `dim`), migrated.
            Some(1) if value.get("dim").is_some() => {
                let model = super::legacy_wide::migrate(value)
                    .map_err(|error| json_error(origin, "corrupt model file", error))?;
                model.check_config(origin)?;
                model
                    .check_consistent()
                    .map_err(|reason| file_error(origin, reason))?;
                return Ok(model);
            }
            Some(1) => {}
            Some(v) => {
                return Err(file_error(
                    origin,
                    format!(
                        "model format version {v}, but this nsgf reads version {FORMAT_VERSION}"
                    ),
                ));
            }
            None => {
                return Err(file_error(
                    origin,
                    "not an nsgf model file (no format_version field)",
                ));
            }
        }
        let mut model: Self = serde_json::from_value(value)
            .map_err(|error| json_error(origin, "corrupt model file", error))?;
        // A version 1 file is a version 2 model in memory (it is saved as one).
        model.format_version = FORMAT_VERSION;
        model.check_config(origin)?;
        model
            .check_consistent()
            .map_err(|reason| file_error(origin, reason))?;
        Ok(model)
    }

    /// Writes the model as JSON, through a temporary file renamed into place (no partial file).
    pub fn save(&self, path: &Path) -> Result<(), ModelError> {
        let json = self.to_json()?;
        crate::files::write_atomically(path, |out| out.write_all(json.as_bytes()))
            .map(drop)
            .map_err(|error| io_error("write", path, error))
    }

    /// Reads a model written by [`TrainedModel::save`]; a corrupt file or another format version
    /// is a clear error naming the file.
    pub fn load(path: &Path) -> Result<Self, ModelError> {
        let text = std::fs::read_to_string(path).map_err(|error| io_error("read", path, error))?;
        Self::from_json(&text, path)
    }

    /// Checks the training configuration the file records; the error names the file.
    fn check_config(&self, origin: &Path) -> Result<(), ModelError> {
        self.config
            .validate()
            .map_err(|source| ModelError::FileConfig {
                path: origin.display().to_string(),
                source: Box::new(source),
            })
    }

    /// Checks the dimensions, the networks' shapes and values against the method (after
    /// [`TrainedModel::check_config`]).
    fn check_consistent(&self) -> Result<(), String> {
        let dim = self.dim;
        for (role, distribution) in [("source", &self.source), ("target", &self.target)] {
            if distribution.dim() != dim {
                return Err(format!(
                    "the {role} {} has {} dimensions, the model {dim}",
                    distribution.label(),
                    distribution.dim()
                ));
            }
        }
        let networks = &self.networks;
        if !networks.encoding.is_consistent() || networks.encoding.dim() != dim {
            return Err(format!(
                "the position encoding is not one of {dim}-dimensional points"
            ));
        }
        let position_width = networks.encoding.width();
        if let Some(velocity) = &networks.velocity {
            let shape = velocity.config();
            if shape.input != position_width + 1 || shape.output != dim {
                return Err(format!(
                    "the velocity network must map (x, t) to {dim} values"
                ));
            }
            if !velocity.is_finite() {
                return Err("the velocity network holds non-finite weights".into());
            }
        }
        match (
            self.method,
            &networks.velocity,
            &networks.straight,
            &networks.generator,
        ) {
            (method, Some(_), None, None)
                if method == Method::Nsgf || method.is_flow_matching() =>
            {
                Ok(())
            }
            (Method::NsgfPp, Some(_), Some(straight), None) => {
                let flow = straight.straight_flow.config();
                let time = straight.time_predictor.config();
                if flow.input != position_width + 1
                    || flow.output != dim
                    || time.input != position_width
                    || time.output != 1
                {
                    return Err("the NSGF++ networks have the wrong shapes".into());
                }
                if !(straight.straight_flow.is_finite() && straight.time_predictor.is_finite()) {
                    return Err("an NSGF++ network holds non-finite weights".into());
                }
                Ok(())
            }
            (Method::OneStep, None, None, Some(generator)) => {
                let shape = generator.config();
                if shape.input != position_width || shape.output != dim {
                    return Err(format!("the generator network must map x to {dim} values"));
                }
                if !generator.is_finite() {
                    return Err("the generator network holds non-finite weights".into());
                }
                Ok(())
            }
            _ => Err("the networks do not match the method".into()),
        }
    }
}
