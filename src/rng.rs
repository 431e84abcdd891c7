//! Seeded randomness: everything random the crate draws (retry and poll jitter, run ids,
//! client tokens) comes from here, so a test can fix it and a failing seed replays exactly.
//!
//! Inside [`scope`] (every workflow runs its plan in one, seeded from its [`Cloud`]'s seed, see
//! [`Cloud::with_seed`]) draws come from a generator seeded with the given seed, one per task.
//! Outside any scope they come from the thread's unseeded generator.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let draw = || aws_facade::rng::scope(7, async { aws_facade::rng::u64() });
//! assert_eq!(draw().await, draw().await);
//! # }
//! ```
//!
//! [`Cloud`]: crate::Cloud
//! [`Cloud::with_seed`]: crate::Cloud::with_seed

use std::cell::RefCell;
use std::future::Future;

tokio::task_local! {
    static RNG: RefCell<fastrand::Rng>;
}

/// Runs `fut` with draws seeded by `seed` (for this task; tasks it spawns draw from their own
/// scope or the thread's generator).
pub fn scope<F: Future>(seed: u64, fut: F) -> impl Future<Output = F::Output> {
    RNG.scope(RefCell::new(fastrand::Rng::with_seed(seed)), fut)
}

/// Calls `f` with the current scope's generator, or the thread's outside a scope.
pub(crate) fn with<T>(f: impl FnOnce(&mut fastrand::Rng) -> T) -> T {
    let mut f = Some(f);
    match RNG.try_with(|r| (f.take().expect("called once"))(&mut r.borrow_mut())) {
        Ok(v) => v,
        Err(_) => (f.take().expect("not called"))(&mut fastrand::Rng::new()),
    }
}

/// A random `u64` from the current scope.
pub fn u64() -> u64 {
    with(|r| r.u64(..))
}

/// A random `f64` in `[0, 1)` from the current scope.
pub fn f64() -> f64 {
    with(|r| r.f64())
}

/// A random id of `n` hex digits (run ids, client tokens) from the current scope.
pub fn hex(n: usize) -> String {
    with(|r| {
        (0..n)
            .map(|_| char::from_digit(r.u32(0..16), 16).expect("hex"))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn scopes_replay_and_differ_by_seed() {
        let draws = |seed| super::scope(seed, async { (super::u64(), super::hex(8), super::f64()) });
        assert_eq!(draws(1).await, draws(1).await);
        assert_ne!(draws(1).await, draws(2).await);
        let (_, h, f) = draws(3).await;
        assert_eq!(h.len(), 8);
        assert!((0.0..1.0).contains(&f));
        // Outside a scope: still random, just not replayable.
        assert_eq!(super::hex(4).len(), 4);
    }
}
