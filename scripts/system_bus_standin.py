#!/usr/bin/python3
"""A stand-in for the system bus services the app listens to, on a private bus
(DBUS_SYSTEM_BUS_ADDRESS): owns org.freedesktop.login1 (unless --no-logind) and
org.freedesktop.NetworkManager (and org.freedesktop.UPower with --upower), prints
"ready", then emits a signal for each line read from stdin: "sleep" / "resume" (logind
PrepareForSleep true/false), "offline" / "online" (NetworkManager StateChanged 20/70),
"battery" / "ac" (UPower PropertiesChanged OnBattery true/false). Run with Debian's
/usr/bin/python3."""
import os, sys
from gi.repository import Gio, GLib

logind = "--no-logind" not in sys.argv
bus = Gio.DBusConnection.new_for_address_sync(
    os.environ["DBUS_SYSTEM_BUS_ADDRESS"],
    Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
names = ["org.freedesktop.NetworkManager"] + (["org.freedesktop.login1"] if logind else []) \
    + (["org.freedesktop.UPower"] if "--upower" in sys.argv else [])
for name in names:
    reply = bus.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "RequestName",
                          GLib.Variant("(su)", (name, 4)), None, Gio.DBusCallFlags.NONE, 5000, None)
    assert reply.unpack()[0] == 1, f"could not own {name}"
print("ready", flush=True)

SIGNALS = {
    "sleep": ("/org/freedesktop/login1", "org.freedesktop.login1.Manager", "PrepareForSleep", GLib.Variant("(b)", (True,))),
    "resume": ("/org/freedesktop/login1", "org.freedesktop.login1.Manager", "PrepareForSleep", GLib.Variant("(b)", (False,))),
    "offline": ("/org/freedesktop/NetworkManager", "org.freedesktop.NetworkManager", "StateChanged", GLib.Variant("(u)", (20,))),
    "online": ("/org/freedesktop/NetworkManager", "org.freedesktop.NetworkManager", "StateChanged", GLib.Variant("(u)", (70,))),
}
for name, on in (("battery", True), ("ac", False)):
    SIGNALS[name] = ("/org/freedesktop/UPower", "org.freedesktop.DBus.Properties", "PropertiesChanged",
                     GLib.Variant("(sa{sv}as)", ("org.freedesktop.UPower", {"OnBattery": GLib.Variant("b", on)}, [])))
for line in sys.stdin:
    path, iface, member, args = SIGNALS[line.strip()]
    bus.emit_signal(None, path, iface, member, args)
    bus.flush_sync(None)
    print("sent", line.strip(), flush=True)
