#!/usr/bin/python3
"""A minimal org.kde.StatusNotifierWatcher for the headless test session, so tray
items register the way they do on a real desktop. Run with Debian's /usr/bin/python3
(python3-gi). Items are dropped when their bus connection goes away."""
from gi.repository import Gio, GLib

XML = """<node><interface name="org.kde.StatusNotifierWatcher">
  <method name="RegisterStatusNotifierItem"><arg name="service" type="s" direction="in"/></method>
  <method name="RegisterStatusNotifierHost"><arg name="service" type="s" direction="in"/></method>
  <property name="RegisteredStatusNotifierItems" type="as" access="read"/>
  <property name="IsStatusNotifierHostRegistered" type="b" access="read"/>
  <property name="ProtocolVersion" type="i" access="read"/>
  <signal name="StatusNotifierItemRegistered"><arg type="s"/></signal>
  <signal name="StatusNotifierItemUnregistered"><arg type="s"/></signal>
  <signal name="StatusNotifierHostRegistered"/>
</interface></node>"""
PATH, IFACE = "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher"
items = {}  # "busname/path" -> unique name of its owner


def emit(conn, signal, args):
    conn.emit_signal(None, PATH, IFACE, signal, args)


def on_call(conn, sender, path, iface, method, params, invocation):
    (service,) = params.unpack()
    if method == "RegisterStatusNotifierItem":
        # Items pass either a bus name or an object path (then the sender is the name).
        item = sender + service if service.startswith("/") else service + "/StatusNotifierItem"
        if item not in items:
            items[item] = sender
            emit(conn, "StatusNotifierItemRegistered", GLib.Variant("(s)", (item,)))
    invocation.return_value(None)


def on_get(conn, sender, path, iface, prop):
    return {
        "RegisteredStatusNotifierItems": GLib.Variant("as", sorted(items)),
        "IsStatusNotifierHostRegistered": GLib.Variant("b", True),
        "ProtocolVersion": GLib.Variant("i", 0),
    }[prop]


def on_owner_changed(conn, sender, path, iface, signal, params):
    name, _old, new = params.unpack()
    if new == "":
        for item, owner in list(items.items()):
            if name in (owner, item.split("/")[0]):
                del items[item]
                emit(conn, "StatusNotifierItemUnregistered", GLib.Variant("(s)", (item,)))


def on_bus(conn, _name):
    conn.register_object(PATH, Gio.DBusNodeInfo.new_for_xml(XML).interfaces[0], on_call, on_get, None)
    conn.signal_subscribe("org.freedesktop.DBus", "org.freedesktop.DBus", "NameOwnerChanged",
                          "/org/freedesktop/DBus", None, Gio.DBusSignalFlags.NONE, on_owner_changed)


Gio.bus_own_name(Gio.BusType.SESSION, IFACE, Gio.BusNameOwnerFlags.NONE, on_bus, None, lambda *_: exit(1))
GLib.MainLoop().run()
