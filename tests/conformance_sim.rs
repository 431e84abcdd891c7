//! The conformance suite (tests/conformance/mod.rs) against the in-process simulator, on paused
//! tokio time (AWS-like lifecycle durations cost no real time). Each scenario ends with a leak
//! check of the simulator's inventory.

mod conformance;
mod support;

use conformance::Backend;

macro_rules! sim_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[tokio::test(start_paused = true)]
            async fn $name() {
                let backend = Backend::sim();
                conformance::$name(&backend).await;
                backend.finish().await;
            }
        )*
    };
}

conformance::scenarios!(sim_tests);
