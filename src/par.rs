//! Order-preserving data parallelism on scoped threads, for the stages that work item by item
//! (parsing documents, building the model, rendering and serialising servers).
//!
//! Work is cut into chunks; worker threads take the next chunk as they become free (so a
//! thread slowed down by other load on the machine does not hold the others up), and the
//! results are put back in input order, so the output never depends on scheduling: the same
//! bytes with 1 thread or 16. Small inputs stay on the calling thread (spawning costs more
//! than it saves), which also keeps a one-server run as fast as a sequential program.

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The environment variable that overrides the number of threads (`1` for a strictly
/// sequential run; benchmarks use it to compare).
pub const THREADS_VAR: &str = "MCP_RENDER_THREADS";

/// Chunks per thread: more than one, so that threads finishing early take over work.
const CHUNKS_PER_THREAD: usize = 4;

/// How many threads to use: [`THREADS_VAR`] if set to a positive number, else what the
/// machine offers (`std::thread::available_parallelism`, which respects CPU quotas). Read
/// once per process: finding the quota reads files under /proc and /sys, some 20 µs.
pub fn threads() -> usize {
    static THREADS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *THREADS.get_or_init(|| {
        std::env::var(THREADS_VAR)
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|&n| n > 0)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
    })
}

/// Cuts `0..len` into contiguous chunks for `threads` threads: a few per thread, none shorter
/// than `min_len` (so one chunk, on the calling thread, when `len` is small). An empty `len`
/// gives no chunk.
pub fn chunks(len: usize, threads: usize, min_len: usize) -> Vec<Range<usize>> {
    if len == 0 {
        return Vec::new();
    }
    let wanted = if threads > 1 {
        threads * CHUNKS_PER_THREAD
    } else {
        1
    };
    let parts = wanted.min(len / min_len.max(1)).max(1);
    (0..parts)
        .map(|i| (len * i / parts)..(len * (i + 1) / parts))
        .collect()
}

/// Calls `work` on every item on up to `threads` threads (the calling thread is one of them)
/// and returns the results in item order. A panic in a worker is re-raised here.
pub fn map<T: Sync, R: Send>(items: &[T], threads: usize, work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = threads.min(items.len());
    if workers <= 1 {
        return items.iter().map(work).collect();
    }
    let next = AtomicUsize::new(0);
    let run = || {
        let mut done = Vec::new();
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(index) else {
                return done;
            };
            done.push((index, work(item)));
        }
    };
    let mut results: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (1..workers).map(|_| scope.spawn(run)).collect();
        let mut batches = vec![run()];
        for handle in handles {
            match handle.join() {
                Ok(batch) => batches.push(batch),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        for (index, result) in batches.into_iter().flatten() {
            results[index] = Some(result);
        }
    });
    // Every index below items.len() was taken exactly once, so every slot is filled.
    results.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_everything_in_order() {
        assert_eq!(chunks(0, 4, 1), Vec::<Range<usize>>::new());
        assert_eq!(chunks(10, 1, 1), vec![0..10]);
        assert_eq!(chunks(3, 8, 100), vec![0..3]);
        assert_eq!(chunks(10, 2, 4), vec![0..5, 5..10]);
        for (len, threads, min_len) in [(1000, 2, 1), (1000, 3, 64), (7, 2, 1), (65, 2, 64)] {
            let parts = chunks(len, threads, min_len);
            assert_eq!(parts.first().map(|r| r.start), Some(0));
            assert_eq!(parts.last().map(|r| r.end), Some(len));
            assert!(parts.windows(2).all(|w| w[0].end == w[1].start));
            assert!(parts.iter().all(|r| r.len() >= min_len.min(len)));
            assert!(parts.len() <= threads * CHUNKS_PER_THREAD);
        }
    }

    #[test]
    fn map_keeps_order_whatever_the_threads() {
        let items: Vec<u64> = (0..1000).collect();
        let sequential: Vec<u64> = items.iter().map(|x| x * x).collect();
        for threads in [1, 2, 3, 7] {
            let ranges = chunks(items.len(), threads, 1);
            let parts = map(&ranges, threads, |range| {
                items[range.clone()]
                    .iter()
                    .map(|x| x * x)
                    .collect::<Vec<u64>>()
            });
            assert_eq!(parts.concat(), sequential);
            assert_eq!(map(&items, threads, |x| x * x), sequential);
        }
    }
}
