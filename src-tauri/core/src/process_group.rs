//! A command and everything it starts, handled as one: `guard`'s job and a hook run in
//! a process group of their own (Unix), so a signal or a kill reaches the background
//! workers a script starts, not just the script. On Windows the direct child is ended
//! (it has no signals for another process).

use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// Makes `cmd` start in a new process group of its own, led by the child.
pub fn own_group(cmd: &mut Command) -> &mut Command {
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(cmd, 0);
    cmd
}

/// The group a child started with [`own_group`] leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Group(i32);

impl Group {
    pub fn of(child: &Child) -> Group {
        Group(child.id() as i32)
    }

    /// The group's id: its leader's pid.
    pub fn leader(self) -> i32 {
        self.0
    }

    /// Sends `signal` to every process of the group; false when none is left.
    #[cfg(unix)]
    pub fn signal(self, signal: i32) -> bool {
        // SAFETY: kill(2) with a negative pid signals the group this process made.
        unsafe { libc::kill(-self.0, signal) == 0 }
    }

    /// Whether any process of the group is still there. A child that has ended but
    /// was not reaped yet counts: reap it first (`try_wait`).
    #[cfg(unix)]
    pub fn alive(self) -> bool {
        self.signal(0)
    }

    /// Kills the whole group at once (SIGKILL; on Windows the direct child).
    pub fn kill(self, child: &mut Child) {
        #[cfg(unix)]
        self.signal(libc::SIGKILL);
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Sends each signal in turn to the group, waiting up to `grace` after each for the
    /// whole group to end, then kills what is left. Reaps `child`.
    pub fn stop(self, child: &mut Child, signals: &[i32], grace: Duration) {
        #[cfg(unix)]
        for &signal in signals {
            if !self.signal(signal) {
                break;
            }
            let until = Instant::now() + grace;
            while Instant::now() < until {
                let _ = child.try_wait();
                if !self.alive() {
                    let _ = child.wait();
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        #[cfg(not(unix))]
        let _ = (signals, grace, Instant::now());
        self.kill(child);
    }
}
