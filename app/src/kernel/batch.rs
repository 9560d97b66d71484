//! Group commit: requests that would each run the same short write transaction one after another
//! (the bookings of one session all wait for its pool: SQLite's one writer, PostgreSQL's row lock)
//! run together, several in one transaction, in their order of arrival.
//!
//! A request joins its key's lane and waits for the lane's turn. The one that gets it takes every
//! request queued so far (its own among them) and runs them as one batch while the next ones
//! queue; each request gets its own outcome. A request alone runs at once, as a batch of one, so
//! an idle server adds no delay; under load a batch is whatever arrived while the previous one
//! ran. The batch runs in a task of its own, which holds the turn until it has answered everyone:
//! a request whose client went away (its future dropped) cancels nothing of the others'.
//!
//! Only the lanes are in memory, one per key while it has requests; what a batch decides is
//! decided by the database, as for a request alone (a batch is only fewer round trips).
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{OwnedMutexGuard, oneshot};

struct Lane<Req, Res> {
    queue: Mutex<Vec<(Req, oneshot::Sender<Res>)>>,
    turn: Arc<tokio::sync::Mutex<()>>,
}

/// The lanes of one kind of request, by key (e.g. the database and the session booked).
pub struct Batcher<K, Req, Res> {
    lanes: Mutex<HashMap<K, Arc<Lane<Req, Res>>>>,
}

impl<K, Req, Res> Default for Batcher<K, Req, Res> {
    fn default() -> Self {
        Batcher { lanes: Mutex::new(HashMap::new()) }
    }
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A use of a lane: while any exists, the lane stays in the map; the last one removes it.
struct Hold<'a, K: Eq + Hash, Req, Res> {
    batcher: &'a Batcher<K, Req, Res>,
    key: K,
    lane: Option<Arc<Lane<Req, Res>>>,
}

impl<K: Eq + Hash, Req, Res> Drop for Hold<'_, K, Req, Res> {
    fn drop(&mut self) {
        let Some(lane) = self.lane.take() else { return };
        // Under the map's lock, which every use takes to join: the map's reference and this one
        // are the last, and nothing is queued, so no one else can be using it.
        let mut lanes = locked(&self.batcher.lanes);
        let mut queue = locked(&lane.queue);
        // A request given up before a batch took it is not run (nobody waits for its outcome).
        queue.retain(|(_, answer)| !answer.is_closed());
        let idle = queue.is_empty();
        drop(queue);
        if Arc::strong_count(&lane) == 2 && idle {
            lanes.remove(&self.key);
        }
        drop(lane);
    }
}

enum Woke<Res> {
    Answered(Option<Res>),
    Turn(OwnedMutexGuard<()>),
}

impl<K, Req, Res> Batcher<K, Req, Res>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
    Req: Send + 'static,
    Res: Send + 'static,
{
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `req` in a batch of its lane. `run` gets the batch, in arrival order, and returns one
    /// outcome per request in the same order; `lost` is the outcome of a request whose batch
    /// ended without one (its task panicked, or `run` returned too few).
    pub async fn run<F, Fut>(&'static self, key: K, req: Req, run: F, lost: impl FnOnce() -> Res) -> Res
    where
        F: FnOnce(Vec<Req>) -> Fut + Send + 'static,
        Fut: Future<Output = Vec<Res>> + Send + 'static,
    {
        let lane = locked(&self.lanes).entry(key.clone()).or_insert_with(|| Arc::new(Lane { queue: Mutex::new(Vec::new()), turn: Arc::default() })).clone();
        let hold = Hold { batcher: self, key: key.clone(), lane: Some(lane.clone()) };
        let (tx, mut rx) = oneshot::channel();
        locked(&lane.queue).push((req, tx));
        // Answered by an earlier batch, or the turn, whichever comes first.
        let woke = {
            let answer = &mut rx;
            let turn = lane.turn.clone().lock_owned();
            tokio::select! {
                biased;
                r = answer => Woke::Answered(r.ok()),
                g = turn => Woke::Turn(g),
            }
        };
        let outcome = match woke {
            Woke::Answered(r) => r,
            // The batch before answered everyone it took before giving up the turn: either this
            // request has its answer, or it is still queued.
            Woke::Turn(guard) => match rx.try_recv() {
                Ok(r) => Some(r),
                Err(oneshot::error::TryRecvError::Closed) => None,
                Err(oneshot::error::TryRecvError::Empty) => {
                    let queued = std::mem::take(&mut *locked(&lane.queue));
                    let (reqs, answers): (Vec<Req>, Vec<oneshot::Sender<Res>>) = queued.into_iter().filter(|(_, answer)| !answer.is_closed()).unzip();
                    let task_hold = Hold { batcher: self, key, lane: Some(lane.clone()) };
                    tokio::spawn(async move {
                        let outcomes = run(reqs).await;
                        for (answer, outcome) in answers.into_iter().zip(outcomes) {
                            let _ = answer.send(outcome);
                        }
                        drop(guard);
                        drop(task_hold);
                    });
                    rx.await.ok()
                }
            },
        };
        drop(lane);
        drop(hold);
        outcome.unwrap_or_else(lost)
    }

    /// How many lanes are in use (tests: they go when their requests are done).
    pub fn lanes(&self) -> usize {
        locked(&self.lanes).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::LazyLock;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::sync::Notify;

    impl<K: Eq + Hash, Req, Res> Batcher<K, Req, Res> {
        fn queued(&self, key: &K) -> usize {
            locked(&self.lanes).get(key).map(|lane| locked(&lane.queue).len()).unwrap_or(0)
        }
    }

    async fn until(what: impl Fn() -> bool) {
        while !what() {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    }

    static SIZES: LazyLock<Batcher<u32, u32, (u32, usize)>> = LazyLock::new(Batcher::new);
    static BATCHES: AtomicUsize = AtomicUsize::new(0);

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn requests_arriving_while_a_batch_runs_share_the_next_one_and_each_gets_its_own_outcome() {
        // Each outcome is the request and the size of the batch it ran in.
        fn batch(gate: Option<Arc<Notify>>) -> impl FnOnce(Vec<u32>) -> std::pin::Pin<Box<dyn Future<Output = Vec<(u32, usize)>> + Send>> {
            move |reqs| {
                Box::pin(async move {
                    BATCHES.fetch_add(1, Ordering::SeqCst);
                    if let Some(gate) = gate {
                        gate.notified().await;
                    }
                    let n = reqs.len();
                    reqs.into_iter().map(|r| (r, n)).collect()
                })
            }
        }
        let gate = Arc::new(Notify::new());
        let first = tokio::spawn(SIZES.run(1, 0, batch(Some(gate.clone())), || (u32::MAX, 0)));
        until(|| BATCHES.load(Ordering::SeqCst) == 1).await;
        let rest: Vec<_> = (1..=20).map(|i| tokio::spawn(SIZES.run(1, i, batch(None), || (u32::MAX, 0)))).collect();
        until(|| SIZES.queued(&1) == 20).await;
        gate.notify_one();
        assert_eq!(first.await.unwrap(), (0, 1), "alone: a batch of one, at once");
        let mut sizes = Vec::new();
        for (i, h) in rest.into_iter().enumerate() {
            let (r, n) = h.await.unwrap();
            assert_eq!(r, i as u32 + 1, "each request gets its own outcome");
            sizes.push(n);
        }
        assert!(sizes.iter().all(|&n| n == 20), "the 20 that queued behind the first ran as one batch: {sizes:?}");
        assert_eq!(BATCHES.load(Ordering::SeqCst), 2);
        assert_eq!(SIZES.lanes(), 0, "the lane goes when its requests are done");
    }

    static LOSSES: LazyLock<Batcher<u32, u32, Result<u32, &'static str>>> = LazyLock::new(Batcher::new);

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_batch_that_panics_loses_only_its_own_requests_and_the_lane_goes_on() {
        let panicking = tokio::spawn(LOSSES.run(7, 1, |_reqs: Vec<u32>| async move { panic!("batch failed") }, || Err("lost")));
        assert_eq!(panicking.await.unwrap(), Err("lost"));
        let ok = LOSSES.run(7, 2, |reqs: Vec<u32>| async move { reqs.into_iter().map(Ok).collect() }, || Err("lost")).await;
        assert_eq!(ok, Ok(2));
        assert_eq!(LOSSES.lanes(), 0);
    }

    static DROPS: LazyLock<Batcher<u32, u32, u32>> = LazyLock::new(Batcher::new);
    static RAN: LazyLock<Mutex<Vec<Vec<u32>>>> = LazyLock::new(Mutex::default);

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_request_given_up_is_not_run_unless_its_batch_had_started_which_then_runs_to_its_end() {
        fn batch(gate: Arc<Notify>) -> impl FnOnce(Vec<u32>) -> std::pin::Pin<Box<dyn Future<Output = Vec<u32>> + Send>> {
            move |reqs| {
                Box::pin(async move {
                    locked(&RAN).push(Vec::new());
                    gate.notified().await;
                    *locked(&RAN).last_mut().unwrap() = reqs.clone();
                    reqs
                })
            }
        }
        let gate = Arc::new(Notify::new());
        let leader = tokio::spawn(DROPS.run(3, 1, batch(gate.clone()), || 0));
        until(|| locked(&RAN).len() == 1).await;
        // Given up while its batch runs (1), and while queued (2); 3 waits on.
        let queued = tokio::spawn(DROPS.run(3, 2, batch(gate.clone()), || 0));
        let waits = tokio::spawn(DROPS.run(3, 3, batch(gate.clone()), || 0));
        until(|| DROPS.queued(&3) == 2).await;
        leader.abort();
        queued.abort();
        until(|| DROPS.queued(&3) == 1).await;
        gate.notify_one();
        until(|| locked(&RAN).len() == 2).await;
        gate.notify_one();
        assert_eq!(waits.await.unwrap(), 3);
        assert_eq!(*locked(&RAN), vec![vec![1], vec![3]], "the started batch ran to its end; the one given up while queued never ran");
        until(|| DROPS.lanes() == 0).await;
    }
}
