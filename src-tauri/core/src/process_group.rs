//! A command and everything it starts, handled as one: `guard`'s job and a hook run in
//! a process group of their own (Unix) or a job object (Windows), so a signal or a
//! kill reaches the background workers a script starts, not just the script. Windows
//! has no signals for another process: there the whole job is ended at once.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// Makes `cmd` start in a new process group of its own, led by the child.
pub fn own_group(cmd: &mut Command) -> &mut Command {
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(cmd, 0);
    cmd
}

/// The group a child started with [`own_group`] leads (on Windows, the job object
/// the child was put in as it started: what it starts after that is in it too).
#[derive(Debug)]
pub struct Group {
    leader: i32,
    #[cfg(windows)]
    job: Option<job::Job>,
}

impl Group {
    pub fn of(child: &Child) -> Group {
        Group {
            leader: child.id() as i32,
            #[cfg(windows)]
            job: job::Job::holding(child),
        }
    }

    /// The group's id: its leader's pid.
    pub fn leader(&self) -> i32 {
        self.leader
    }

    /// Sends `signal` to every process of the group; false when none is left.
    #[cfg(unix)]
    pub fn signal(&self, signal: i32) -> bool {
        // SAFETY: kill(2) with a negative pid signals the group this process made.
        unsafe { libc::kill(-self.leader, signal) == 0 }
    }

    /// Whether any process of the group is still there. A child that has ended but
    /// was not reaped yet counts: reap it first (`try_wait`).
    #[cfg(unix)]
    pub fn alive(&self) -> bool {
        self.signal(0)
    }

    /// Kills the whole group at once (SIGKILL; on Windows every process of the job).
    pub fn kill(&self, child: &mut Child) {
        #[cfg(unix)]
        self.signal(libc::SIGKILL);
        #[cfg(windows)]
        if let Some(job) = &self.job {
            job.terminate();
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Sends each signal in turn to the group, waiting up to `grace` after each for the
    /// whole group to end, then kills what is left. Reaps `child`.
    pub fn stop(&self, child: &mut Child, signals: &[i32], grace: Duration) {
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

/// A Windows job object holding a child and what it starts; closed when dropped
/// (which leaves its processes running: only [`Job::terminate`] ends them).
#[cfg(windows)]
mod job {
    use windows_sys::Win32::Foundation::{CloseHandle, HANDLE};
    use windows_sys::Win32::System::JobObjects::{AssignProcessToJobObject, CreateJobObjectW, TerminateJobObject};
    #[cfg(test)]
    use windows_sys::Win32::System::JobObjects::{
        JobObjectBasicAccountingInformation, QueryInformationJobObject, JOBOBJECT_BASIC_ACCOUNTING_INFORMATION,
    };

    #[derive(Debug)]
    pub struct Job(HANDLE);

    // SAFETY: a job object handle may be used from any thread.
    unsafe impl Send for Job {}
    unsafe impl Sync for Job {}

    impl Job {
        /// A new job with `child` in it; `None` when Windows refuses (the child is then
        /// ended on its own, as before).
        pub fn holding(child: &std::process::Child) -> Option<Job> {
            use std::os::windows::io::AsRawHandle;
            // SAFETY: an unnamed job with default security; the child's handle is valid
            // while `child` is borrowed.
            unsafe {
                let job = CreateJobObjectW(std::ptr::null(), std::ptr::null());
                if job.is_null() {
                    return None;
                }
                if AssignProcessToJobObject(job, child.as_raw_handle() as HANDLE) == 0 {
                    CloseHandle(job);
                    return None;
                }
                Some(Job(job))
            }
        }

        /// How many processes the job holds now.
        #[cfg(test)]
        pub fn active(&self) -> u32 {
            // SAFETY: the struct is plain data, written by the call, of the size given.
            unsafe {
                let mut info: JOBOBJECT_BASIC_ACCOUNTING_INFORMATION = std::mem::zeroed();
                let size = std::mem::size_of::<JOBOBJECT_BASIC_ACCOUNTING_INFORMATION>() as u32;
                let info_ptr = &mut info as *mut JOBOBJECT_BASIC_ACCOUNTING_INFORMATION as *mut core::ffi::c_void;
                match QueryInformationJobObject(self.0, JobObjectBasicAccountingInformation, info_ptr, size, std::ptr::null_mut()) {
                    0 => u32::MAX,
                    _ => info.ActiveProcesses,
                }
            }
        }

        /// Ends every process in the job.
        pub fn terminate(&self) {
            // SAFETY: the handle is open until drop.
            unsafe {
                TerminateJobObject(self.0, 1);
            }
        }
    }

    impl Drop for Job {
        fn drop(&mut self) {
            // SAFETY: closed once, here.
            unsafe {
                CloseHandle(self.0);
            }
        }
    }
}

#[cfg(all(test, windows))]
mod windows_tests {
    use super::*;

    fn wait_until(what: &str, within: Duration, done: impl Fn() -> bool) {
        let until = Instant::now() + within;
        while !done() {
            assert!(Instant::now() < until, "waited {within:?} for {what}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    #[test]
    fn a_kill_ends_what_the_job_started_too() {
        let mut child = Command::new("cmd").args(["/C", "ping -n 60 127.0.0.1 >NUL"]).spawn().unwrap();
        let group = Group::of(&child);
        let job = group.job.as_ref().expect("a job object");
        wait_until("cmd and the ping it started to be in the job", Duration::from_secs(30), || (2..u32::MAX).contains(&job.active()));
        group.kill(&mut child);
        wait_until("every process of the job to end", Duration::from_secs(10), || job.active() == 0);
    }
}
