//! Pictures (PNG, JPEG, WebP) as densities. A picture's mass is its alpha where it has
//! transparency, else its darkness (1 − Rec. 709 luma); the mass is averaged down to at most
//! `MAX_GRID_SIDE` cells a side ([`PictureMass`]); then the invert switch and the threshold
//! ([`PictureOptions`]) make it a [`DensityGrid`].

use super::DataError;
use super::density::{DensityGrid, GridError, MAX_GRID_SIDE, average_down};
use std::io::Cursor;

/// The most pixels a picture may have (4096 × 4096); the size is read from the header and
/// checked before anything is decoded.
const MAX_PICTURE_PIXELS: u64 = 4096 * 4096;

/// How a picture's mass becomes density.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PictureOptions {
    /// Mass from lightness (or transparency) instead of darkness (or opacity).
    pub invert: bool,
    /// Cells of mass at or below this value (in [0, 1)) count as empty: JPEG noise and paper
    /// tone.
    pub threshold: f32,
}

impl Default for PictureOptions {
    fn default() -> Self {
        Self {
            invert: false,
            threshold: 0.05,
        }
    }
}

impl PictureOptions {
    /// The options as a suffix of an `image:FILE` spec (`,invert`, `,threshold=T`), empty for
    /// the defaults.
    pub fn spec_suffix(&self) -> String {
        let invert = if self.invert { ",invert" } else { "" };
        let threshold = if self.threshold == PictureOptions::default().threshold {
            String::new()
        } else {
            format!(",threshold={}", self.threshold)
        };
        format!("{invert}{threshold}")
    }

    /// Splits the text after `image:`, `FILE[,invert][,threshold=T]`, into the file and the
    /// options (only trailing parts that are options are taken; the rest is the file name).
    pub(crate) fn split_spec(spec: &str) -> Result<(&str, PictureOptions), DataError> {
        let mut options = PictureOptions::default();
        let mut file = spec;
        while let Some((head, last)) = file.rsplit_once(',') {
            if last == "invert" {
                options.invert = true;
            } else if let Some(value) = last.strip_prefix("threshold=") {
                options.threshold = match value.parse::<f32>() {
                    Ok(t) if (0.0..1.0).contains(&t) => t,
                    _ => {
                        return Err(DataError::BadPicture {
                            path: head.to_string(),
                            reason: format!(
                                "threshold={value}: the threshold must be a number in [0, 1)"
                            ),
                        });
                    }
                };
            } else {
                break;
            }
            file = head;
        }
        Ok((file, options))
    }
}

/// A decoded picture's mass in [0, 1], averaged down to at most `MAX_GRID_SIDE` cells a side.
#[derive(Debug, Clone, PartialEq)]
pub struct PictureMass {
    /// Where it came from (a file path or a dropped file's name).
    pub label: String,
    /// Columns.
    pub width: u32,
    /// Rows.
    pub height: u32,
    /// `width × height` masses, row-major, top row first.
    pub values: Vec<f32>,
    /// Whether the mass came from alpha (else from darkness).
    pub from_alpha: bool,
}

impl PictureMass {
    /// Decodes the picture in `bytes` (`label` names it in messages): its format from its
    /// first bytes, its size checked against [`MAX_PICTURE_PIXELS`] before decoding.
    pub(crate) fn decode(bytes: &[u8], label: &str) -> Result<Self, DataError> {
        let bad = |reason: String| DataError::BadPicture {
            path: label.to_string(),
            reason,
        };
        let reader = || {
            image::ImageReader::new(Cursor::new(bytes))
                .with_guessed_format()
                .map_err(|source| DataError::UnreadablePicture {
                    path: label.to_string(),
                    source,
                })
        };
        if reader()?.format().is_none() {
            return Err(bad("not a PNG, JPEG or WebP picture".into()));
        }
        let (width, height) = reader()?
            .into_dimensions()
            .map_err(|error| bad(format!("not a readable picture ({error})")))?;
        let pixels = u64::from(width) * u64::from(height);
        if pixels > MAX_PICTURE_PIXELS {
            return Err(bad(format!(
                "{width}×{height} = {pixels} pixels, over the limit of {MAX_PICTURE_PIXELS} \
                 pixels (4096 × 4096)"
            )));
        }
        let picture = reader()?
            .decode()
            .map_err(|error| bad(format!("cannot decode it, truncated or corrupt ({error})")))?;
        let rgba = picture.to_rgba8();
        let from_alpha = picture.color().has_alpha() && rgba.pixels().any(|p| p.0[3] < 255);
        let masses: Vec<f32> = rgba
            .pixels()
            .map(|p| {
                let [r, g, b, a] = p.0.map(|c| f32::from(c) / 255.0);
                if from_alpha {
                    a
                } else {
                    1.0 - (0.2126 * r + 0.7152 * g + 0.0722 * b)
                }
            })
            .collect();
        let (width, height, values) =
            average_down(width, height, &masses, MAX_GRID_SIDE).map_err(|source| {
                DataError::Grid {
                    what: label.to_string(),
                    source,
                }
            })?;
        Ok(Self {
            label: label.to_string(),
            width,
            height,
            values,
            from_alpha,
        })
    }

    /// Reads and decodes the picture file at `path`.
    pub fn read(path: &std::path::Path) -> Result<Self, DataError> {
        let bytes = std::fs::read(path).map_err(|source| DataError::Unreadable {
            path: path.display().to_string(),
            source,
        })?;
        Self::decode(&bytes, &path.display().to_string())
    }

    /// The density under `options`: each cell's mass (or 1 − mass, inverted), zero at or below
    /// the threshold. Errors when no cell keeps any mass.
    pub fn density(&self, options: PictureOptions) -> Result<DensityGrid, DataError> {
        let densities: Vec<f32> = self
            .values
            .iter()
            .map(|&mass| {
                let mass = if options.invert { 1.0 - mass } else { mass };
                if mass <= options.threshold { 0.0 } else { mass }
            })
            .collect();
        DensityGrid::from_densities(self.width, self.height, &densities, MAX_GRID_SIDE).map_err(
            |error| DataError::BadPicture {
                path: self.label.clone(),
                reason: match error {
                    GridError::NoMass => format!(
                        "the picture has no mass at threshold {}{}: it is all {} ({})",
                        options.threshold,
                        if options.invert { " inverted" } else { "" },
                        match (self.from_alpha, options.invert) {
                            (true, false) => "fully transparent",
                            (true, true) => "opaque",
                            (false, false) => "white",
                            (false, true) => "black",
                        },
                        if options.invert {
                            "mass is taken from light pixels: try without invert"
                        } else {
                            "mass is taken from dark or opaque pixels: try invert for a light \
                             shape on a dark ground"
                        },
                    ),
                    other => other.to_string(),
                },
            },
        )
    }
}
