//! Which flow a trajectory is, and every name it is shown under, in one place.

/// The kind of a flow: the empirical Sinkhorn particle flow or one of the learned flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum FlowKind {
    /// The empirical Sinkhorn particle flow (Euler steps of the Sinkhorn-divergence gradient flow).
    Sinkhorn,
    /// The learned NSGF velocity field v_θ(x, t), integrated from fresh source samples.
    Nsgf,
    /// NSGF++: ≤ 5 NSGF steps, the phase-transition time t_φ(x), then the straight flow u_δ.
    NsgfPlusPlus,
    /// A one-step generator G(z): one jump from the source samples to their images.
    OneStep,
    /// Independent conditional flow matching (I-CFM, Tong et al. 2023).
    Icfm,
    /// Conditional flow matching on minibatch optimal-transport pairs (OT-CFM).
    OtCfm,
    /// Rectified flow (Liu et al. 2023): straight paths between independent pairs.
    Rf,
}

impl FlowKind {
    /// The name shown to people: "Sinkhorn", "NSGF", "NSGF++", "one-step".
    pub(crate) fn display_name(self) -> &'static str {
        match self {
            FlowKind::Sinkhorn => "Sinkhorn",
            FlowKind::Nsgf => "NSGF",
            FlowKind::NsgfPlusPlus => "NSGF++",
            FlowKind::OneStep => "one-step",
            FlowKind::Icfm => "I-CFM",
            FlowKind::OtCfm => "OT-CFM",
            FlowKind::Rf => "RF",
        }
    }

    /// What the flow is, as a title: "Sinkhorn particle flow", "learned NSGF", "learned NSGF++",
    /// "learned one-step generator".
    pub fn title(self) -> String {
        match self {
            FlowKind::Sinkhorn => "Sinkhorn particle flow".to_string(),
            FlowKind::OneStep => "learned one-step generator".to_string(),
            learned => format!("learned {}", learned.display_name()),
        }
    }

    /// Whether the flow comes from a trained network (every kind but the Sinkhorn flow).
    pub(crate) fn is_learned(self) -> bool {
        self != FlowKind::Sinkhorn
    }
}

impl std::fmt::Display for FlowKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.display_name())
    }
}
