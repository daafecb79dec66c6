//! Checks at once when the computer wakes up or the network comes back, told by the
//! system bus: logind's `PrepareForSleep(false)` and NetworkManager's `StateChanged`
//! to "connected". Subscribed on the GLib main context the app already runs, so
//! nothing wakes in between. Where logind is not on the bus (a container, another
//! init), [`watch`] says so and the poller keeps comparing its schedule with the
//! wall clock once a minute instead. UPower's `OnBattery` (read at start and followed
//! by its `PropertiesChanged`) stretches automatic poll intervals on battery.
//! Linux only; elsewhere [`watch`] returns `false` and the wall-clock check serves.

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub enum Event {
    Resumed,
    NetworkUp,
    /// Running on battery (true) or on mains power (false).
    OnBattery(bool),
}

#[cfg(target_os = "linux")]
const LOGIND: &str = "org.freedesktop.login1";
#[cfg(target_os = "linux")]
const NETWORK_MANAGER: &str = "org.freedesktop.NetworkManager";
#[cfg(target_os = "linux")]
const UPOWER: &str = "org.freedesktop.UPower";
#[cfg(target_os = "linux")]
const UPOWER_PATH: &str = "/org/freedesktop/UPower";
/// NetworkManager's NM_STATE_CONNECTED_GLOBAL.
#[cfg(target_os = "linux")]
const CONNECTED_GLOBAL: u32 = 70;

/// Subscribes to the signals (call on the main thread); `true` when resume signals
/// will come, so the wall-clock check is not needed.
#[cfg(target_os = "linux")]
pub fn watch(on_event: impl Fn(Event) + Clone + 'static) -> bool {
    use gio::prelude::*;
    let bus = match gio::bus_get_sync(gio::BusType::System, gio::Cancellable::NONE) {
        Ok(bus) => bus,
        Err(e) => {
            tracing::info!("no system bus ({e}): checking the clock once a minute for wake-ups");
            return false;
        }
    };
    // A signal whose single argument is `wanted` means `event`.
    let when = |sender: &str, interface: &str, member: &str, path: &str, wanted: gio::glib::Variant, event: Event, what: &'static str| {
        let on = on_event.clone();
        bus.signal_subscribe(
            Some(sender),
            Some(interface),
            Some(member),
            Some(path),
            None,
            gio::DBusSignalFlags::NONE,
            move |_, _, _, _, _, params| {
                if params.n_children() == 1 && params.child_value(0) == wanted {
                    tracing::info!("{what}");
                    on(event);
                }
            },
        );
    };
    when(
        LOGIND,
        "org.freedesktop.login1.Manager",
        "PrepareForSleep",
        "/org/freedesktop/login1",
        false.to_variant(),
        Event::Resumed,
        "the computer woke up",
    );
    when(
        NETWORK_MANAGER,
        NETWORK_MANAGER,
        "StateChanged",
        "/org/freedesktop/NetworkManager",
        CONNECTED_GLOBAL.to_variant(),
        Event::NetworkUp,
        "the network is back",
    );
    let on = on_event.clone();
    bus.signal_subscribe(
        Some(UPOWER),
        Some("org.freedesktop.DBus.Properties"),
        Some("PropertiesChanged"),
        Some(UPOWER_PATH),
        None,
        gio::DBusSignalFlags::NONE,
        move |_, _, _, _, _, params| {
            if params.n_children() >= 2 {
                let changed = gio::glib::VariantDict::new(Some(&params.child_value(1)));
                if let Some(on_battery) = changed.lookup_value("OnBattery", None).and_then(|v| v.get::<bool>()) {
                    tracing::info!("on battery: {on_battery}");
                    on(Event::OnBattery(on_battery));
                }
            }
        },
    );
    let has_owner = |name: &str| {
        bus.call_sync(
            Some("org.freedesktop.DBus"),
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "NameHasOwner",
            Some(&(name,).to_variant()),
            None,
            gio::DBusCallFlags::NONE,
            2000,
            gio::Cancellable::NONE,
        )
        .ok()
        .and_then(|v| v.get::<(bool,)>())
        .is_some_and(|(owned,)| owned)
    };
    let resume = has_owner(LOGIND);
    if has_owner(UPOWER) {
        let args = ("org.freedesktop.UPower", "OnBattery").to_variant();
        let now = bus
            .call_sync(
                Some(UPOWER),
                UPOWER_PATH,
                "org.freedesktop.DBus.Properties",
                "Get",
                Some(&args),
                None,
                gio::DBusCallFlags::NONE,
                2000,
                gio::Cancellable::NONE,
            )
            .ok()
            .and_then(|v| v.child_value(0).as_variant())
            .and_then(|v| v.get::<bool>());
        if let Some(on_battery) = now {
            tracing::info!("on battery: {on_battery}");
            on_event(Event::OnBattery(on_battery));
        }
    }
    tracing::info!(
        "wake-up signals: logind {}, NetworkManager {}",
        if resume { "yes" } else { "no" },
        if has_owner(NETWORK_MANAGER) { "yes" } else { "no" }
    );
    // The connection must outlive this call for the subscriptions to stay.
    std::mem::forget(bus);
    resume
}

/// Elsewhere (Windows, macOS) no signals are followed: the poller's once-a-minute
/// wall-clock check catches a wake-up, and intervals are not stretched on battery.
#[cfg(not(target_os = "linux"))]
pub fn watch(_on_event: impl Fn(Event) + Clone + 'static) -> bool {
    false
}
