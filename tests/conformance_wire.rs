//! The conformance suite (tests/conformance/mod.rs) against the simulator through its wire
//! front end: the services in `conformance::WIRE_SERVICES` are reached through the crate's SDK
//! adapters over `SimCloud::http_client()` (the SDK serializes, signs and parses as it does
//! against AWS; the simulator decodes and encodes each service's real protocol), the others
//! directly. Every scenario must pass as it does on tests/conformance_sim.rs: a difference is a
//! codec bug. Paused tokio time; each scenario ends with the simulator's leak check.

mod conformance;
mod support;

use conformance::Backend;

macro_rules! wire_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[tokio::test(start_paused = true)]
            async fn $name() {
                let backend = Backend::wire();
                conformance::$name(&backend).await;
                backend.assert_wire_used(stringify!($name));
                backend.finish().await;
            }
        )*
    };
}

conformance::scenarios!(wire_tests);
