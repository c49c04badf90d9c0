//! One render in flight, shared by every request that arrives while it runs.
//!
//! A render walks every series; it runs on tokio's blocking pool, which grows to hundreds of
//! threads. Were each of 64 parallel scrapes to start its own, 64 threads would render the same
//! text at once and then idle for ten seconds. Here the first request starts the render and the
//! others wait for its result: one thread per endpoint renders at a time, however many scrape.

use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use crate::sync::MutexExt;

/// The result of the render in flight, for the requests waiting on it.
type Pending<T> = watch::Receiver<Option<Arc<T>>>;

/// Coalesces the renders of one endpoint.
pub(crate) struct Coalesced<T> {
    inflight: Mutex<Option<Pending<T>>>,
}

impl<T: Send + Sync + 'static> Coalesced<T> {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self {
            inflight: Mutex::new(None),
        })
    }

    /// The result of the render in flight, or of a new one of `render` when none is: `None` if
    /// the render panicked.
    pub(crate) async fn get(
        self: &Arc<Self>,
        render: impl FnOnce() -> T + Send + 'static,
    ) -> Option<Arc<T>> {
        let mut pending = {
            let mut inflight = self.inflight.lock_unpoisoned();
            match &*inflight {
                Some(pending) => pending.clone(),
                None => {
                    let (done, pending) = watch::channel(None);
                    *inflight = Some(pending.clone());
                    // In a task of its own: a waiter that goes away does not take the render
                    // with it, and the others still get its result.
                    let this = self.clone();
                    tokio::spawn(async move {
                        let result = tokio::task::spawn_blocking(render).await.ok().map(Arc::new);
                        // Cleared first: a request arriving from now on starts a fresh render.
                        *this.inflight.lock_unpoisoned() = None;
                        match result {
                            Some(result) => {
                                let _ = done.send(Some(result));
                            }
                            // Dropping the sender tells the waiters.
                            None => drop(done),
                        }
                    });
                    pending
                }
            }
        };
        let result = pending.wait_for(Option::is_some).await.ok()?;
        result.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_requests_share_one_render() {
        let renders = Arc::new(AtomicUsize::new(0));
        let coalesced = Coalesced::new();
        let requests: Vec<_> = (0..64)
            .map(|_| {
                let (coalesced, renders) = (coalesced.clone(), renders.clone());
                tokio::spawn(async move {
                    coalesced
                        .get(move || {
                            std::thread::sleep(Duration::from_millis(200));
                            renders.fetch_add(1, Ordering::Relaxed) + 1
                        })
                        .await
                })
            })
            .collect();
        let mut seen = Vec::new();
        for r in requests {
            seen.push(*r.await.unwrap().expect("a result"));
        }
        let renders = renders.load(Ordering::Relaxed);
        assert!(
            renders <= 2,
            "64 requests within one render's time shared it: {renders} renders"
        );
        assert!(seen.iter().all(|n| *n <= renders));
        // Once it is done, the next request renders anew.
        let fresh = coalesced.get(|| 100).await.unwrap();
        assert_eq!(*fresh, 100);
    }

    #[tokio::test]
    async fn a_panicking_render_answers_none_and_the_next_one_runs() {
        let coalesced: Arc<Coalesced<u8>> = Coalesced::new();
        assert!(coalesced.get(|| panic!("render failed")).await.is_none());
        assert_eq!(coalesced.get(|| 7).await.as_deref(), Some(&7));
    }
}
