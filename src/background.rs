//! Work that runs on a thread of its own every so often, beside the
//! server: mail delivery and the lifecycle's clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A background thread; it stops when this is dropped.
pub struct Worker {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Runs `job` now and then every `period` on a thread named `name`, until
/// the returned [`Worker`] is dropped.
pub fn every(
    name: &str,
    period: Duration,
    mut job: impl FnMut() + Send + 'static,
) -> std::io::Result<Worker> {
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = stop.clone();
    let thread = std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                job();
                std::thread::park_timeout(period);
            }
        })?;
    Ok(Worker {
        stop,
        thread: Some(thread),
    })
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}
