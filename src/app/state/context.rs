//! The small shared context the slices talk through. A slice's handler gets its own state
//! mutably, a read-only look at the inputs it needs, and this [`Context`]: the status line, the
//! queue of work to start, fresh generation numbers, commands for other slices, and notes of
//! what changed that other slices follow ([`Change`]). No slice holds another's state.

use super::commands::Command;
use super::messages::Messages;
use crate::app::jobs::Request;
use std::collections::VecDeque;

/// What a slice changed that other slices follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    /// Source, target, n or seed: a new particle flow, new learned samples, staleness.
    Samples,
    /// The particle flow's parameters: a new particle flow.
    FlowParameters,
    /// A new model or another NFE: the learned flow is sampled again.
    LearnedFlow,
    /// The model may no longer match the inputs (a new model, another configuration).
    Staleness,
}

/// The changes noted since the router last settled them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Changes {
    /// The particle flow starts again.
    pub(crate) restart_particle_flow: bool,
    /// The learned flow is sampled again.
    pub(crate) resample_learned_flow: bool,
    /// Whether the model is stale is decided again.
    pub(crate) refresh_staleness: bool,
}

impl Changes {
    /// Whether anything is to be done.
    pub(crate) fn any(self) -> bool {
        self.restart_particle_flow || self.resample_learned_flow || self.refresh_staleness
    }
}

/// The status line, the work queued for the workers, generations, the slices' outbox and the
/// changes to settle.
#[derive(Debug, Default)]
pub(crate) struct Context {
    messages: Messages,
    requests: Vec<Request>,
    next_generation: u64,
    outbox: VecDeque<Command>,
    changes: Changes,
}

impl Context {
    /// Shows a status message.
    pub(crate) fn say(&mut self, message: impl Into<String>) {
        self.messages.say(message);
    }

    /// Shows an error.
    pub(crate) fn fail(&mut self, error: impl Into<String>) {
        self.messages.fail(error);
    }

    /// The status line.
    pub(crate) fn messages(&self) -> &Messages {
        &self.messages
    }

    /// The status line, to change.
    pub(crate) fn messages_mut(&mut self) -> &mut Messages {
        &mut self.messages
    }

    /// Queues work for the workers.
    pub(crate) fn request(&mut self, request: Request) {
        self.requests.push(request);
    }

    /// The queued work, for inspection.
    pub(crate) fn requests(&self) -> &[Request] {
        &self.requests
    }

    /// Takes the queued work (the shell starts it).
    pub(crate) fn take_requests(&mut self) -> Vec<Request> {
        std::mem::take(&mut self.requests)
    }

    /// A generation number no job had: results carry it, and those of a superseded job are
    /// dropped.
    pub(crate) fn fresh_generation(&mut self) -> u64 {
        self.next_generation += 1;
        self.next_generation
    }

    /// Sends a command to the slice that owns it (routed after the current one, in order).
    pub(crate) fn send(&mut self, command: impl Into<Command>) {
        self.outbox.push_back(command.into());
    }

    /// The next command sent, if any.
    pub(crate) fn next_command(&mut self) -> Option<Command> {
        self.outbox.pop_front()
    }

    /// Notes a change the other slices follow (settled once the commands are done).
    pub(crate) fn note(&mut self, change: Change) {
        let changes = &mut self.changes;
        match change {
            Change::Samples => {
                changes.restart_particle_flow = true;
                changes.resample_learned_flow = true;
                changes.refresh_staleness = true;
            }
            Change::FlowParameters => changes.restart_particle_flow = true,
            Change::LearnedFlow => changes.resample_learned_flow = true,
            Change::Staleness => changes.refresh_staleness = true,
        }
    }

    /// Takes the changes noted so far.
    pub(crate) fn take_changes(&mut self) -> Changes {
        std::mem::take(&mut self.changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::state::ViewCommand;

    #[test]
    fn sent_commands_come_back_in_order_and_changes_accumulate() {
        let mut context = Context::default();
        context.send(ViewCommand::SetView(crate::app::state::FlowView::Learned));
        context.send(Command::DismissError);
        assert!(matches!(context.next_command(), Some(Command::View(_))));
        assert_eq!(context.next_command(), Some(Command::DismissError));
        assert_eq!(context.next_command(), None);

        context.note(Change::LearnedFlow);
        context.note(Change::Staleness);
        let changes = context.take_changes();
        assert!(changes.resample_learned_flow && changes.refresh_staleness);
        assert!(!changes.restart_particle_flow);
        assert!(!context.take_changes().any());
        context.note(Change::Samples);
        assert_eq!(
            context.take_changes(),
            Changes {
                restart_particle_flow: true,
                resample_learned_flow: true,
                refresh_staleness: true
            }
        );
        assert_eq!(context.fresh_generation(), 1);
        assert_eq!(context.fresh_generation(), 2);
    }
}
