//! Pictures and words in the data-source menu: the source and target shapes (as
//! distributions), the word being typed, the last picture's mass and the picture options, with
//! their [`ShapeCommand`]s. Plain state, tested without a window.

use crate::data::{DataError, Distribution, IMAGE_PREFIX, PictureMass, PictureOptions};

/// What the user does with pictures and words.
#[derive(Debug, Clone, PartialEq)]
pub enum ShapeCommand {
    /// The word box changed: the target becomes this word (an unusable word is an error and
    /// changes nothing but the box).
    SetWord(String),
    /// Invert switch and threshold of pictures (the shown picture is derived again).
    SetPictureOptions(PictureOptions),
    /// The target shape (picture or word) becomes the source too.
    TargetAsSource,
    /// A decoded picture arrived (a file opened or dropped): the target becomes its density
    /// (a picture with no mass is an error that keeps the target).
    SetPicture(Box<PictureMass>),
    /// The source becomes this shape (a scene's picture, word or points).
    SetSource(Distribution),
    /// The target becomes this shape (a scene's picture or word).
    SetTarget(Distribution),
}

/// The shapes the source and the target can be.
#[derive(Debug, Clone, Default)]
pub struct Shapes {
    source: Option<Distribution>,
    target: Option<Distribution>,
    word: String,
    picture: Option<PictureMass>,
    options: PictureOptions,
}

impl Shapes {
    /// The source shape, if the source is one.
    pub(crate) fn source(&self) -> Option<&Distribution> {
        self.source.as_ref()
    }

    /// The target shape, if one was made.
    pub(crate) fn target(&self) -> Option<&Distribution> {
        self.target.as_ref()
    }

    /// The text in the word box.
    pub fn word(&self) -> &str {
        &self.word
    }

    /// The picture options.
    pub(crate) fn options(&self) -> PictureOptions {
        self.options
    }

    /// Takes the word box's text; on success the target is that word.
    pub(crate) fn set_word(&mut self, text: String) -> Result<(), DataError> {
        self.word.clone_from(&text);
        self.target = Some(Distribution::word(&text)?);
        Ok(())
    }

    /// Takes a decoded picture; on success the target is its density under the options.
    pub(crate) fn set_picture(&mut self, mass: PictureMass) -> Result<(), DataError> {
        self.target = Some(picture_distribution(&mass, self.options)?);
        self.picture = Some(mass);
        Ok(())
    }

    /// Takes new picture options; the last picture's density is derived again when a picture
    /// is the target (errors keep the previous target).
    pub(crate) fn set_options(&mut self, options: PictureOptions) -> Result<bool, DataError> {
        self.options = options;
        let picture_shown = matches!(self.target, Some(Distribution::Picture { .. }));
        match &self.picture {
            Some(mass) if picture_shown => {
                self.target = Some(picture_distribution(mass, options)?);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Sets the source shape (a scene's picture, word or points, or the target's shape).
    pub(crate) fn set_source(&mut self, source: Distribution) {
        self.source = Some(source);
    }

    /// Sets the target shape from a scene (a word fills the word box).
    pub(crate) fn set_target(&mut self, target: Distribution) {
        if let Distribution::Word { text, .. } = &target {
            self.word.clone_from(text);
        }
        self.target = Some(target);
    }
}

/// The picture's distribution under `options`, labelled `image:NAME` with the options.
fn picture_distribution(
    mass: &PictureMass,
    options: PictureOptions,
) -> Result<Distribution, DataError> {
    let name = std::path::Path::new(&mass.label).file_name().map_or_else(
        || mass.label.clone(),
        |name| name.to_string_lossy().into_owned(),
    );
    Ok(Distribution::Picture {
        label: format!("{IMAGE_PREFIX}{name}{}", options.spec_suffix()),
        grid: mass.density(options)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mass(values: Vec<f32>) -> PictureMass {
        PictureMass {
            label: "/tmp/x/logo.png".into(),
            width: 2,
            height: 1,
            values,
            from_alpha: false,
        }
    }

    #[test]
    fn a_bad_word_keeps_the_previous_target() {
        let mut shapes = Shapes::default();
        shapes.set_word("ab".into()).unwrap();
        let before = shapes.target().cloned();
        assert!(shapes.set_word(String::new()).is_err());
        assert_eq!(shapes.word(), "");
        assert_eq!(shapes.target().cloned(), before);
    }

    #[test]
    fn options_derive_the_picture_again_and_bad_ones_change_nothing() {
        let mut shapes = Shapes::default();
        shapes.set_picture(mass(vec![1.0, 0.0])).unwrap();
        let Some(Distribution::Picture { label, grid }) = shapes.target().cloned() else {
            panic!("no picture");
        };
        assert_eq!(label, "image:logo.png");
        assert_eq!(grid.cells(), &[255, 0]);
        let inverted = PictureOptions {
            invert: true,
            ..PictureOptions::default()
        };
        assert_eq!(shapes.set_options(inverted).ok(), Some(true));
        let Some(Distribution::Picture { label, grid }) = shapes.target().cloned() else {
            panic!("no picture");
        };
        assert_eq!(label, "image:logo.png,invert");
        assert_eq!(grid.cells(), &[0, 255]);
        let mut empty = Shapes::default();
        empty.set_picture(mass(vec![0.5, 0.0])).unwrap();
        let before = empty.target().cloned();
        let all_empty = PictureOptions {
            invert: false,
            threshold: 0.6,
        };
        assert!(empty.set_options(all_empty).is_err());
        assert_eq!(empty.target().cloned(), before);
    }
}
