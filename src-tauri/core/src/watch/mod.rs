//! The monitor without a display (`heygen-tray watch`): for a render server, a
//! container or CI. The same poller (schedule, backoff, automatic pace), history,
//! figures, alert memory and hooks as the tray app, on the system clock. What the tray
//! would show goes to the log (one line per event, no secrets), to the status socket
//! (`heygen-tray status`, `guard`) and to the local API ([`crate::local_api`]).
//! The edge (the command line) gives it keys, delivers notifications and turns signals
//! into [`Control`]s.

pub mod keys;

use crate::accounts::Accounts;
use crate::alerts::Alert;
use crate::api::Client;
use crate::clock::SystemClock;
use crate::history::History;
use crate::monitor::{Figures, Inputs, MonitorState};
use crate::poller::{self, Command, Poller};
use crate::settings::Settings;
use crate::snapshot::AccountSnapshot;
use keys::{KeySource, Keys};
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, watch};

/// What the edge asks of a running watch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Read the settings file and the keys again (SIGHUP).
    Reload,
    /// Poll every account now (SIGUSR1).
    RefreshNow,
    /// Save what must be kept and end (SIGTERM, SIGINT).
    Stop,
}

/// A running watch: what it polls and what it derived, read by the status socket and
/// the local API while it runs.
pub struct Watch {
    pub accounts: Accounts,
    pub settings: Mutex<Settings>,
    snapshots: watch::Receiver<Arc<Vec<AccountSnapshot>>>,
    /// Accounts whose key could not be read, shown with why.
    problems: Mutex<Vec<AccountSnapshot>>,
    commands: mpsc::UnboundedSender<Command>,
    pub state: MonitorState,
    /// Whether the local API serves (the lifetime totals are read for it then).
    pub serves_api: std::sync::atomic::AtomicBool,
    pub source: Mutex<KeySource>,
}

impl Watch {
    /// Starts polling `keys` with the settings' schedule; the history at
    /// `accounts.history` is opened (a damaged one set aside, a failure logged: the
    /// watch goes on without). Needs a tokio runtime.
    pub fn start(accounts: Accounts, client: Client, settings: Settings, keys: Keys) -> Arc<Watch> {
        let (commands, command_rx) = mpsc::unbounded_channel();
        let (publish, snapshots) = watch::channel(Arc::new(Vec::new()));
        let mut poller = Poller::new(client, Arc::new(SystemClock), settings.poll_interval());
        poller.apply(settings.polling().into());
        poller.set_accounts(keys.configs);
        let state = MonitorState::new(settings.alert_memory.clone(), None);
        let history = accounts.history.clone().unwrap_or_else(History::default_path);
        match History::open(&history) {
            Ok((h, notice)) => {
                if let Some(n) = notice {
                    tracing::warn!("{n}");
                }
                *state.history.lock().unwrap() = Some(h);
            }
            Err(e) => tracing::error!("history is off: {e}"),
        }
        let watch = Arc::new(Watch {
            accounts,
            settings: Mutex::new(settings),
            snapshots,
            problems: Mutex::new(keys.problems),
            commands,
            state,
            serves_api: Default::default(),
            source: Mutex::new(keys.source),
        });
        let saver = watch.clone();
        tokio::spawn(poller::run(poller, command_rx, publish, move |renewed| {
            let saver = saver.clone();
            tokio::task::spawn_blocking(move || {
                for (name, tokens) in renewed {
                    if let Err(e) = saver.accounts.save_tokens(&name, &tokens) {
                        tracing::error!("{name}: the renewed sign-in was not saved: {e}");
                    }
                }
            });
        }));
        watch
    }

    /// The polled accounts and those whose key could not be read, in settings order.
    pub fn current(&self) -> Vec<AccountSnapshot> {
        let mut all: Vec<AccountSnapshot> = self.snapshots.borrow().iter().cloned().collect();
        all.extend(self.problems.lock().unwrap().iter().cloned());
        crate::snapshot::in_settings_order(&mut all, &self.settings.lock().unwrap());
        all
    }

    /// What the status socket serves.
    pub fn live_status(&self) -> crate::live::LiveStatus {
        let settings = self.settings.lock().unwrap().clone();
        crate::live::LiveStatus::polled_as(self.current(), &settings, chrono::Utc::now())
    }

    /// Runs until [`Control::Stop`] (or the control channel closes): after each poll,
    /// records the history, logs what changed, sends the alerts due through `deliver`
    /// (the notification daemon, when there is one) and runs their hooks. The alert
    /// memory is saved after each change and at the end.
    pub async fn run<D, F>(self: Arc<Self>, mut controls: mpsc::UnboundedReceiver<Control>, mut deliver: D)
    where
        D: FnMut(Alert) -> F,
        F: Future<Output = Result<(), String>>,
    {
        let mut snapshots = self.snapshots.clone();
        loop {
            self.round(&mut deliver).await;
            tokio::select! {
                changed = snapshots.changed() => if changed.is_err() { break },
                control = controls.recv() => match control {
                    Some(Control::Reload) => {
                        let me = self.clone();
                        let _ = tokio::task::spawn_blocking(move || me.reload()).await;
                    }
                    Some(Control::RefreshNow) => {
                        tracing::info!("polling every account now");
                        let _ = self.commands.send(Command::RefreshNow(None));
                    }
                    Some(Control::Stop) | None => break,
                },
            }
        }
        let me = self.clone();
        let saved = tokio::task::spawn_blocking(move || me.state.alerts.save(&me.accounts.settings, false)).await;
        if !saved.unwrap_or(false) {
            tracing::warn!("the alerts sent could not be saved: the next start may send them again");
        }
        tracing::info!("stopped");
    }

    async fn round<D, F>(self: &Arc<Self>, deliver: &mut D)
    where
        D: FnMut(Alert) -> F,
        F: Future<Output = Result<(), String>>,
    {
        let snaps = self.current();
        for (failed, line) in self.state.counters.take(&snaps) {
            match failed {
                true => tracing::warn!("{line}"),
                false => tracing::info!("{line}"),
            }
        }
        let me = self.clone();
        let for_history = snaps.clone();
        let _ = tokio::task::spawn_blocking(move || me.record(&for_history)).await;
        let settings = self.settings.lock().unwrap().clone();
        let now = chrono::Utc::now();
        let paused = settings.alerts_paused_until.is_some_and(|t| t > now) || !settings.notifications;
        let (forecasts, spikes) = {
            let figures = self.state.figures.lock().unwrap();
            (figures.forecasts(), figures.spikes())
        };
        let inputs = Inputs { forecasts: &forecasts, spikes: &spikes, settings: &settings, paused, now };
        let effects = self.state.alerts.send_due(&snaps, &inputs, &mut *deliver).await;
        for alert in &effects.notified {
            tracing::info!("{}: alert: {} — {}", alert.account, alert.summary, alert.body);
        }
        for event in effects.hooks {
            let set = settings.hooks.get(&event.event).is_some_and(|a| !a.is_empty());
            tracing::info!("{}: event {}{}", event.account, event.event, if set { ", its hook runs" } else { "" });
            self.state.hooks.fire(&settings.hooks, event);
        }
        if self.state.alerts.unsaved() {
            let me = self.clone();
            let _ = tokio::task::spawn_blocking(move || me.state.alerts.save(&me.accounts.settings, false)).await;
        }
    }

    /// Writes new figures to the history, derives forecasts and spend, and reads the
    /// lifetime totals. Blocking.
    fn record(&self, snaps: &[AccountSnapshot]) {
        let history = self.state.history.lock().unwrap();
        let Some(h) = history.as_ref() else { return };
        let rule = self.settings.lock().unwrap().spike_rule();
        let mut figures: Figures = self.state.figures.lock().unwrap().clone();
        figures.take(h, snaps, chrono::Utc::now(), &rule, |name| self.state.alerts.reload_failing(name));
        let _ = self.commands.send(Command::Spiking(figures.spiking()));
        *self.state.figures.lock().unwrap() = figures;
        if self.serves_api.load(std::sync::atomic::Ordering::Relaxed) {
            self.state.counters.read_lifetime(h);
        }
    }

    /// Reads the settings file and the keys again; a file that cannot be used
    /// changes nothing (and says why). Blocking.
    fn reload(&self) {
        let loaded = self.accounts.settings.load();
        let settings = match loaded.into_usable() {
            Ok(s) => s,
            Err(e) => return tracing::warn!("settings not reloaded ({e}); the watch goes on as it was"),
        };
        match keys::load(&self.accounts, &settings) {
            Ok(keys) => {
                let before = self.settings.lock().unwrap().accounts.clone();
                self.state.alerts.forget_replaced(&before, &settings.accounts);
                tracing::info!("reloaded: {} accounts, keys from {}", keys.configs.len() + keys.problems.len(), keys.source);
                let _ = self.commands.send(settings.polling().into());
                let _ = self.commands.send(Command::SetAccounts(keys.configs));
                *self.problems.lock().unwrap() = keys.problems;
                *self.source.lock().unwrap() = keys.source;
                *self.settings.lock().unwrap() = settings;
            }
            Err(e) => tracing::warn!("settings not reloaded: {e}"),
        }
    }
}
