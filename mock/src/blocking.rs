//! Work that keeps a thread busy (a policy run of tens of thousands of servers, a test's
//! pause) done without holding up the other connections of the runtime's worker it runs on.

use tokio::runtime::{Handle, RuntimeFlavor};

/// Runs `work`; on a worker of a multi-threaded runtime, that worker's other tasks are handed
/// to another thread meanwhile (`block_in_place`, which a single-threaded runtime does not
/// allow: there `work` just runs).
pub fn off_worker<R>(work: impl FnOnce() -> R) -> R {
    let multi_thread =
        Handle::try_current().is_ok_and(|h| h.runtime_flavor() == RuntimeFlavor::MultiThread);
    if multi_thread {
        tokio::task::block_in_place(work)
    } else {
        work()
    }
}
