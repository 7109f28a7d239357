//! An error and its causes as text, the one way nsgf shows them: joined on one line with ": "
//! (how `main` prints an error, the app's status line), or one cause a line ("caused by: …",
//! where the app has room). A wrapper whose message already ends with its cause's (a
//! transparent one) says it once.

use std::error::Error;

/// The messages of `error` and of every cause below it, each said once.
fn messages(error: &(dyn Error + 'static)) -> Vec<String> {
    let mut messages = vec![error.to_string()];
    let mut said = messages[0].clone();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let text = inner.to_string();
        if !said.ends_with(&text) {
            said.push_str(": ");
            said.push_str(&text);
            messages.push(text);
        }
        cause = inner.source();
    }
    messages
}

/// `error` and every cause below it, joined with ": ".
pub fn joined(error: &(dyn Error + 'static)) -> String {
    messages(error).join(": ")
}

/// `error`, then each cause below it on its own line as `caused by: …`.
pub(crate) fn with_causes(error: &(dyn Error + 'static)) -> String {
    messages(error).join("\ncaused by: ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("reading model.json")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn each_cause_is_said_once_in_order() {
        let error = Outer(std::io::Error::other("disk on fire"));
        assert_eq!(joined(&error), "reading model.json: disk on fire");
        assert_eq!(
            with_causes(&error),
            "reading model.json\ncaused by: disk on fire"
        );
        // A message that already ends with its cause's says it once.
        let repeated = Repeats(std::io::Error::other("disk on fire"));
        assert_eq!(joined(&repeated), "model.json: disk on fire");
        assert_eq!(with_causes(&repeated), "model.json: disk on fire");
    }

    #[derive(Debug, thiserror::Error)]
    #[error("model.json: {0}")]
    struct Repeats(#[source] std::io::Error);
}
